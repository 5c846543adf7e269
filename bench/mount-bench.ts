// The mount's speed beside a local directory: `dfs up --memory` and `dfs mount` each in
// their own process, the work done by dd and by a worker process (bench/mount-worker.ts),
// never by a process that serves the mount. Reads run on a fresh mount after the page cache
// is dropped, so they measure the cluster, not memory that already holds the file.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DFS_BIN } from '../test/helpers/cluster.js';
import { startCluster, type BenchRow } from './cli-bench.js';

export interface MountBenchOptions {
  /** Size of the sequential file, MiB (default 1024). */
  seqMiB?: number;
  /** Small files to create, stat and delete (default 5,000). */
  files?: number;
  /** Bytes in each small file (default 1 KiB). */
  fileBytes?: number;
  /** How long the random-read run lasts, seconds (default 10). */
  randomSeconds?: number;
  /** Where the local comparison runs (default the OS temp directory). */
  localDir?: string;
  log?: (line: string) => void;
}

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mount-worker.js');

export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; secs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) resolve({ stdout: out, secs });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

export async function worker(args: string[]): Promise<Record<string, number>> {
  return JSON.parse((await run(process.execPath, [WORKER, ...args])).stdout) as Record<string, number>;
}

/** Drops the page cache (root only); without it local reads measure memory. */
function dropCaches(): boolean {
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

const NULL_MOUNT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'null-mount.js');

function mountDaemon(dir: string, url: string, env: NodeJS.ProcessEnv): Promise<{ stop: () => Promise<void> }> {
  return daemon(dir, DFS_BIN, ['mount', dir, '--master', url], { ...env, DFS_NODE: process.execPath });
}

/** A mount served by a process of its own, up once it prints "mounted: ". */
export async function daemon(dir: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stop: () => Promise<void> }> {
  fs.mkdirSync(dir, { recursive: true });
  const proc: ChildProcess = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^mounted: /m.test(out)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`dfs mount exited ${code}`)));
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export async function mountBench(opts: MountBenchOptions = {}): Promise<BenchRow[]> {
  const seqMiB = opts.seqMiB ?? 1024;
  const count = opts.files ?? 5000;
  const fileBytes = opts.fileBytes ?? 1024;
  const randomSeconds = opts.randomSeconds ?? 10;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-mount-bench-'));
  const local = fs.mkdtempSync(path.join(opts.localDir ?? os.tmpdir(), 'dfs-mount-bench-local-'));
  const mnt = path.join(work, 'mnt');
  const nullMnt = path.join(work, 'null-mnt');
  // the configuration: the embedded cluster, encrypted, one copy of each block
  const cluster = await startCluster(work, ['--memory', '--replicas', '1']);
  let dfsMount = await mountDaemon(mnt, cluster.url, cluster.env);
  const rows: BenchRow[] = [];
  try {
    const dd = async (args: string[]): Promise<number> => (await run('dd', [...args, 'status=none'])).secs;
    const seq = async (dir: string, remount: () => Promise<void>): Promise<{ write: number; read: number; random: number }> => {
      const file = path.join(dir, 'seq.bin');
      // conv=fsync: the time includes getting the data to storage, as close() does on dfs
      const write = await dd(['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${seqMiB}`, 'conv=fsync']);
      await remount();
      dropCaches();
      const read = await dd([`if=${file}`, 'of=/dev/null', 'bs=1M']);
      await remount();
      dropCaches();
      const random = (await worker(['random', file, String(randomSeconds)])).reads;
      fs.rmSync(file);
      return { write: seqMiB / write, read: seqMiB / read, random };
    };
    log(`mount bench: sequential ${seqMiB} MiB (dfs)`);
    const d = await seq(mnt, async () => {
      await dfsMount.stop();
      dfsMount = await mountDaemon(mnt, cluster.url, cluster.env);
    });
    log(`mount bench: sequential ${seqMiB} MiB (local ${local})`);
    const l = await seq(local, async () => undefined);
    log(`mount bench: sequential ${seqMiB} MiB (a do-nothing fuse-native file system)`);
    const nullFs = await daemon(nullMnt, process.execPath, [NULL_MOUNT, nullMnt], process.env);
    try {
      const n = await seq(nullMnt, async () => undefined);
      rows.push({ name: `mount write ${seqMiB} MiB (1 MiB dd)`, dfs: d.write, floor: n.write, local: l.write, unit: 'MiB/s' });
      rows.push({ name: `mount read ${seqMiB} MiB (1 MiB dd)`, dfs: d.read, floor: n.read, local: l.read, unit: 'MiB/s' });
      rows.push({ name: `mount random 4 KiB reads (${randomSeconds} s)`, dfs: d.random, floor: n.random, local: l.random, unit: 'reads/s' });

      log(`mount bench: ${count} small files`);
      const nf = await worker(['files', path.join(nullMnt, 'files'), String(count), String(fileBytes)]);
      fs.mkdirSync(path.join(mnt, 'files'));
      fs.mkdirSync(path.join(local, 'files'));
      const df = await worker(['files', path.join(mnt, 'files'), String(count), String(fileBytes)]);
      const lf = await worker(['files', path.join(local, 'files'), String(count), String(fileBytes)]);
      for (const op of ['create', 'stat', 'delete'] as const) {
        rows.push({ name: `mount ${op} ${count} files of ${fileBytes} B`, dfs: df[op], floor: nf[op], local: lf[op], unit: 'files/s' });
      }
    } finally {
      await nullFs.stop();
    }
    return rows;
  } finally {
    await dfsMount.stop();
    await cluster.stop();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(local, { recursive: true, force: true });
  }
}
