// Persistence and replication figures: how long a master holding many files takes to start
// (replaying its journal, or loading a snapshot), write throughput with one and two copies
// on disk-backed nodes, and metadata operations per second with every change fsync'd to
// the journal. Each function starts what it needs and cleans up after itself.
//
//   node dist/bench/persist-bench.js [restart|write|meta] [files]
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DfsClient } from '../src/client/client.js';
import { silentLogger } from '../src/log.js';
import { Master } from '../src/master/master.js';
import { MetadataStore } from '../src/master/persistence.js';
import type { MutationRecord } from '../src/master/records.js';
import { MasterState } from '../src/master/state.js';
import { startCluster } from './cli-bench.js';

export interface PersistRow {
  name: string;
  value: number;
  unit: string;
}

const MiB = 1024 * 1024;
const PASSWORD = 'bench-password';

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-pbench-'));
}

/** The heap in use once garbage is collected (gc exposed for the measurement only). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * A master data dir of `files` files (1,000 to a directory, one 4 MiB block each on two
 * nodes), written straight through the journal code. Returns the journal's size. The state
 * built on the way is dropped on return, so it does not weigh on what is measured next.
 */
async function buildMasterDir(dir: string, files: number): Promise<number> {
  const state = new MasterState();
  const { store } = await MetadataStore.open(dir, state);
  const now = Date.now();
  const append = async (records: MutationRecord[]): Promise<void> => {
    for (const r of records) state.apply(r);
    await store.append(records);
  };
  await append([{ op: 'format', time: now, blockSize: 4 * MiB, replicas: 2 }]);
  let ino = 2;
  let batch: MutationRecord[] = [];
  for (let f = 0; f < files; f++) {
    if (f % 1000 === 0) {
      batch.push({ op: 'mknod', ino, parent: 1, name: `dir${f / 1000}`, type: 'dir', mode: 0o755, uid: 0, gid: 0, time: now, replicas: 2 });
      ino++;
    }
    const parent = ino - 1 - (f % 1000);
    const file = ino++;
    batch.push(
      {
        op: 'mknod',
        ino: file,
        parent,
        name: `file-${f}.dat`,
        type: 'file',
        mode: 0o644,
        uid: 1000,
        gid: 1000,
        time: now,
        replicas: 2,
        key: randomBytes(60).toString('base64'),
      },
      {
        op: 'commit',
        ino: file,
        size: 4 * MiB,
        time: now,
        blocks: [{ index: 0, id: randomBytes(16).toString('hex'), size: 4 * MiB, nodes: ['0123456789abcdef', 'fedcba9876543210'] }],
      },
    );
    if (batch.length >= 2000) {
      await append(batch);
      batch = [];
    }
  }
  await append(batch);
  await store.close();
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('journal-'))
    .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

/**
 * Times Master.start on a data dir of `files` files: first replaying the whole journal,
 * then (after the clean stop wrote a snapshot) loading the snapshot; and a periodic
 * snapshot in a worker, with the longest event-loop stall it causes.
 */
export async function masterRestartBench(files = 100_000): Promise<PersistRow[]> {
  const dir = scratch();
  const label = files >= 1000 ? `${files / 1000}k` : String(files);
  try {
    const journalBytes = await buildMasterDir(dir, files);
    const now = Date.now();
    const opts = { host: '127.0.0.1', port: 0, dataDir: dir, adminPassword: PASSWORD, logger: silentLogger };
    const heapBefore = heapAfterGc();
    let m = new Master(opts);
    const fromJournal = await timed(() => m.start());
    const heapMiB = (heapAfterGc() - heapBefore) / MiB;
    // a periodic checkpoint runs in a worker: how long it takes, and how long it holds up the master
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const workerMs = await timed(() => m.store!.checkpoint());
    delay.disable();
    await m.mutate([{ op: 'setattr', ino: 1, mtime: now, time: now }]); // so the stop has something to snapshot
    const snapshotMs = await timed(() => m.stop()); // a clean stop writes a snapshot in process
    const snapshotBytes = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('snapshot-'))
      .reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    m = new Master(opts);
    const fromSnapshot = await timed(() => m.start());
    await m.stop();
    return [
      { name: `master start, ${label} files, replaying a ${Math.round(journalBytes / MiB)} MiB journal`, value: fromJournal, unit: 'ms' },
      { name: `master start, ${label} files, from a ${Math.round(snapshotBytes / MiB)} MiB snapshot`, value: fromSnapshot, unit: 'ms' },
      { name: `periodic snapshot of ${label} files, in a worker`, value: workerMs, unit: 'ms' },
      { name: `  longest event-loop stall meanwhile`, value: delay.max / 1e6, unit: 'ms' },
      { name: `snapshot of ${label} files at a clean stop, in process`, value: snapshotMs, unit: 'ms' },
      { name: `master heap for ${label} files`, value: heapMiB, unit: 'MiB' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `sizeMiB` through the client library to a fresh `dfs up` (disk nodes) keeping `replicas` copies. */
export async function writeThroughputBench(replicas: number, sizeMiB = 256): Promise<PersistRow[]> {
  const dir = scratch();
  const cluster = await startCluster(dir, ['--replicas', String(replicas)]);
  const c = new DfsClient(cluster.url);
  try {
    await c.login('admin', PASSWORD);
    const chunk = randomBytes(8 * MiB);
    const ms = await timed(async () => {
      const h = await c.create('/throughput.bin', 0o644);
      for (let off = 0; off < sizeMiB * MiB; off += chunk.length) await h.write(off, chunk);
      await h.close();
    });
    return [{ name: `write ${sizeMiB} MiB, ${replicas} ${replicas === 1 ? 'copy' : 'copies'} on disk nodes (client library)`, value: sizeMiB / (ms / 1000), unit: 'MiB/s' }];
  } finally {
    c.close();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * create, stat and delete of `count` empty files through the client library, each change
 * fsync'd to the master's journal before it is answered: one at a time (latency), and 32
 * at a time (group commit shares the fsyncs).
 */
export async function metadataOpsBench(count = 5000): Promise<PersistRow[]> {
  const dir = scratch();
  const cluster = await startCluster(dir);
  const c = new DfsClient(cluster.url);
  try {
    await c.login('admin', PASSWORD);
    const rows: PersistRow[] = [];
    for (const width of [1, 32]) {
      const base = `/meta-${width}`;
      await c.mkdir(base, 0o755);
      const names = Array.from({ length: count }, (_, i) => `${base}/f${i}`);
      const run = async (fn: (p: string) => Promise<unknown>): Promise<number> => {
        let next = 0;
        const ms = await timed(() =>
          Promise.all(
            Array.from({ length: width }, async () => {
              while (next < names.length) await fn(names[next++]);
            }),
          ),
        );
        return count / (ms / 1000);
      };
      const how = width === 1 ? 'one at a time' : `${width} in flight`;
      rows.push({ name: `create, ${how} (${count} files)`, value: await run(async (p) => (await c.create(p, 0o644)).close()), unit: 'ops/s' });
      rows.push({ name: `stat, ${how}`, value: await run((p) => c.getattr(p)), unit: 'ops/s' });
      rows.push({ name: `delete, ${how}`, value: await run((p) => c.unlink(p)), unit: 'ops/s' });
    }
    return rows;
  } finally {
    c.close();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every figure above, in the order a report would list them; each size its function's default unless given. */
export async function persistBench(sizes: { files?: number; writeMiB?: number; metaOps?: number } = {}): Promise<PersistRow[]> {
  return [
    ...(await masterRestartBench(sizes.files)),
    ...(await writeThroughputBench(1, sizes.writeMiB)),
    ...(await writeThroughputBench(2, sizes.writeMiB)),
    ...(await metadataOpsBench(sizes.metaOps)),
  ];
}

function print(rows: PersistRow[]): void {
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) process.stdout.write(`  ${r.name.padEnd(w)}  ${r.value.toFixed(1).padStart(9)} ${r.unit}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'persist-bench.js'))) {
  const which = process.argv[2];
  const n = process.argv[3] ? Number(process.argv[3]) : undefined;
  const run =
    which === 'restart'
      ? () => masterRestartBench(n)
      : which === 'write'
        ? async () => [...(await writeThroughputBench(1, n)), ...(await writeThroughputBench(2, n))]
        : which === 'meta'
          ? () => metadataOpsBench(n)
          : () => persistBench();
  run().then(print, (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
