// Server commands: master, storage, and `up` (a whole local cluster in one command).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DEFAULTS } from '../defaults.js';
import { Master } from '../master/master.js';
import { hasMetadata } from '../master/persistence.js';
import { DiskBlockStore } from '../storage/disk-store.js';
import { MemoryBlockStore } from '../storage/memory-store.js';
import { StorageNode } from '../storage/storage-node.js';
import { ensureLoopbackCerts, readTlsFiles } from './certs.js';
import { saveSession } from './config.js';
import { readCa } from './connect.js';
import { DfsError } from '../rpc/errors.js';
import { holdDataDir } from '../master/data-dir-lock.js';
import { action, UsageError } from './errors.js';
import { readSecret } from './prompt.js';
import { resetAdmin } from '../master/reset-admin.js';
import { rootLogger } from '../log.js';
import { growHeapForBlockTraffic } from './heap.js';

const log = (line: string): void => {
  rootLogger().info(line);
};

const MiB = 1024 * 1024;

function port(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`not a port: ${s}`);
  return n;
}

/**
 * The join secret from a flag, the environment or a file, in that order, and which of them
 * gave it (`from`, for messages); both undefined when none is given. An empty one is no secret.
 */
function joinSecretOf(o: { joinSecret?: string; joinSecretFile?: string }): { secret?: string; from?: string } {
  const [raw, from] =
    o.joinSecret !== undefined
      ? [o.joinSecret, '--join-secret']
      : process.env.DFS_JOIN_SECRET !== undefined
        ? [process.env.DFS_JOIN_SECRET, 'DFS_JOIN_SECRET']
        : o.joinSecretFile
          ? [fs.readFileSync(o.joinSecretFile, 'utf8'), o.joinSecretFile]
          : [undefined, undefined];
  return { secret: raw?.trim() || undefined, from };
}

function replicas(s: string | undefined, flag = '--replicas'): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`${flag} must be 1 to 16: ${s}`);
  return n;
}

/** A size in MiB, or with a unit: 512M, 20G, 1.5T. */
function sizeBytes(flag: string, s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(s.trim());
  if (!m) throw new UsageError(`${flag} must be a size such as 512M, 20G or 1T: ${s}`);
  const unit = { '': MiB, K: 1024, M: MiB, G: 1024 * MiB, T: 1024 * 1024 * MiB }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const n = Math.floor(Number(m[1]) * unit);
  if (n < 1) throw new UsageError(`${flag} must be more than nothing: ${s}`);
  return n;
}

/**
 * A new cluster's block size: 64 KiB to 4 MiB (a storage node takes one block per message),
 * in whole 64 KiB segments. Accepts plain bytes or a K/M suffix. An existing cluster keeps its own.
 */
function blockSize(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = /^(\d+)([KkMm]?)(i?B)?$/.exec(s.trim());
  const n = m ? Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]) ? 1024 : MiB) : NaN;
  if (!Number.isSafeInteger(n) || n < 64 * 1024 || n > DEFAULTS.blockSize || n % (64 * 1024) !== 0) {
    throw new UsageError(`--block-size must be a multiple of 64K from 64K to 4M: ${s}`);
  }
  return n;
}

/** A positive duration in seconds (fractions allowed), as milliseconds. */
function seconds(flag: string, s: string): number {
  const n = Number(s);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag} must be a positive number of seconds: ${s}`);
  return Math.round(n * 1000);
}

/** `--trash-days`: how long removed items are kept, in ms (0: no trash). */
function trashMs(s: string): number {
  const days = Number(s);
  if (s.trim() === '' || !Number.isFinite(days) || days < 0) throw new UsageError(`--trash-days must be a number of days, 0 or more: ${s}`);
  return Math.round(days * 24 * 3600 * 1000);
}

const TRASH_DAYS_HELP = 'keep removed files and directories in the trash this many days (0: no trash; fractions too)';
const DEFAULT_TRASH_DAYS = String(DEFAULTS.trashRetentionMs / (24 * 3600 * 1000));

/**
 * Starts a server; a port that is taken, or an address that is not this host's, is said so
 * (Node's "listen EADDRINUSE: address already in use" is an errno, not a sentence).
 */
async function listening<T>(what: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new DfsError('EADDRINUSE', `${what}: port ${port} on ${host} is in use (another dfs, or another program); choose one with --port`);
    if (code === 'EADDRNOTAVAIL') throw new DfsError('EADDRNOTAVAIL', `${what}: ${host} is not an address of this host (--host)`);
    if (code === 'EACCES') throw new DfsError('EACCES', `${what}: not allowed to listen on port ${port} (ports below 1024 need root)`);
    throw err;
  }
}

function defaultDataDir(): string {
  if (process.env.DFS_DATA_DIR) return process.env.DFS_DATA_DIR;
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'dfs');
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`dfs: ${sig}, shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`dfs: shutdown: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export const dfsBin = (): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/dfs');

export function registerServerCommands(program: Command, globals: () => { master?: string; ca?: string }): void {
  const masterCommand = program
    .command('master')
    .description('run the metadata server (`dfs master reset-admin`: a new admin password, offline)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '7070')
    .option('--data-dir <dir>', 'where the master keeps its state', path.join(defaultDataDir(), 'master'))
    .option('--replicas <n>', "the cluster's default copies of each block (a new cluster: 1)")
    .option('--block-size <size>', "a new cluster's block size, 64K to 4M (default 4M)")
    .option('--min-replicas <n>', 'copies of each block a write must store to succeed; fewer fail it (ENOSPC or EIO)', String(DEFAULTS.minReplicas))
    .option('--tls-cert <file>', 'serve wss:// with this certificate (PEM)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--allocation-ttl <seconds>', 'a block handed to a writer and never committed is garbage after this', String(DEFAULTS.allocationTtlMs / 1000))
    .option(
      '--reconcile-every <seconds>',
      "check each storage node's block list against the master's this often (and delete what nothing references)",
      String(DEFAULTS.reconcileMs / 1000),
    )
    .option('--snapshot-every <records>', 'snapshot the metadata after this many journal records', String(DEFAULTS.snapshotEveryRecords))
    .option('--join-secret-file <file>', "the storage nodes' join secret (or env DFS_JOIN_SECRET; default: <data-dir>/join-secret, made on first start)")
    .option('--trash-days <days>', TRASH_DAYS_HELP, DEFAULT_TRASH_DAYS)
    .action(
      action(
        async (o: {
          host: string;
          port: string;
          dataDir: string;
          replicas?: string;
          minReplicas: string;
          blockSize?: string;
          tlsCert?: string;
          tlsKey?: string;
          snapshotEvery: string;
          joinSecretFile?: string;
          allocationTtl: string;
          reconcileEvery: string;
          trashDays: string;
        }) => {
          const every = Number(o.snapshotEvery);
          if (!Number.isInteger(every) || every < 1) throw new UsageError(`--snapshot-every must be a positive integer: ${o.snapshotEvery}`);
          const { secret: joinSecret, from } = joinSecretOf(o);
          if (from && !joinSecret) throw new UsageError(`the join secret from ${from} is empty`);
          holdDataDir(o.dataDir);
          const m = new Master({
            host: o.host,
            port: port(o.port),
            dataDir: o.dataDir,
            replicas: replicas(o.replicas),
            minReplicas: replicas(o.minReplicas, '--min-replicas'),
            blockSize: blockSize(o.blockSize),
            adminPassword: process.env.DFS_ADMIN_PASSWORD,
            tls: readTlsFiles(o.tlsCert, o.tlsKey),
            snapshotEveryRecords: every,
            joinSecret,
            allocationTtlMs: seconds('--allocation-ttl', o.allocationTtl),
            replication: { reconcileMs: seconds('--reconcile-every', o.reconcileEvery) },
            trashMs: trashMs(o.trashDays),
          });
          const started = await listening('dfs master', o.host, port(o.port), () => m.start());
          process.stdout.write(`master: ${started.url}\n`);
          if (started.generatedAdminPassword) process.stdout.write(`admin password: ${started.generatedAdminPassword} (shown once)\n`);
          process.stdout.write(`join secret: ${from ?? path.join(o.dataDir, 'join-secret')}\n`);
          onShutdown(() => m.stop());
        },
      ),
    );

  masterCommand
    .command('reset-admin')
    .description(
      "on the master's host, with the master stopped: a new admin password (printed, or from stdin) for the master's --data-dir; ends the admin's sessions and turns its second factor off",
    )
    .option('--password-stdin', 'read the new password from stdin (else one is made and printed)')
    .action(
      action(async (own: { passwordStdin?: boolean }) => {
        // --data-dir is the master command's own option, given before or after reset-admin
        const o = { ...masterCommand.opts<{ dataDir: string }>(), ...own };
        const password = o.passwordStdin ? await readSecret('New admin password: ', true) : undefined;
        const r = await resetAdmin(o.dataDir, password);
        if (r.generated) process.stdout.write(`admin password: ${r.generated} (shown once)\n`);
        const notes = [`${r.sessionsEnded} session${r.sessionsEnded === 1 ? '' : 's'} ended`];
        if (r.mfaWasOn) notes.push('second factor turned off');
        process.stderr.write(`admin password reset in ${o.dataDir} (${notes.join(', ')}); start the master again\n`);
      }),
    );

  program
    .command('storage')
    .description('run a storage node')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '0')
    .option('--data-dir <dir>', 'keep blocks on disk here (checksummed; kept across restarts)')
    .option('--memory', 'keep blocks in memory (lost on exit)')
    .option('--join-secret <secret>', 'the cluster join secret (or env DFS_JOIN_SECRET)')
    .option('--join-secret-file <file>', 'read the join secret from a file')
    .option('--tls-cert <file>', 'serve wss:// with this certificate (PEM)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--advertise <url>', 'the URL clients and other nodes reach this node at, when not the one it listens on (--host 0.0.0.0, NAT, containers)')
    .option('--scrub-rate <MiB/s>', 'with --data-dir: re-read and check held blocks in the background at this rate (0: never)', String(DEFAULTS.scrubBytesPerSecond / MiB))
    .option('--scrub-after <seconds>', 'start checking this long after the node starts', String(DEFAULTS.scrubStartDelayMs / 1000))
    .option('--capacity <size>', 'with --data-dir: hold at most this much (512M, 20G; default: what the file system has free)')
    .action(
      action(
        async (o: {
          host: string;
          port: string;
          dataDir?: string;
          memory?: boolean;
          joinSecret?: string;
          joinSecretFile?: string;
          tlsCert?: string;
          tlsKey?: string;
          advertise?: string;
          scrubRate: string;
          scrubAfter: string;
          capacity?: string;
        }) => {
          const scrubRate = Number(o.scrubRate);
          if (!Number.isFinite(scrubRate) || scrubRate < 0) throw new UsageError(`--scrub-rate must be a number of MiB/s, 0 or more: ${o.scrubRate}`);
          const scrubAfter = Number(o.scrubAfter);
          if (!Number.isFinite(scrubAfter) || scrubAfter < 0) throw new UsageError(`--scrub-after must be a number of seconds, 0 or more: ${o.scrubAfter}`);
          const masterUrl = globals().master ?? process.env.DFS_MASTER;
          if (!masterUrl) throw new UsageError('a storage node needs --master URL (or DFS_MASTER)');
          if (o.advertise !== undefined && !/^wss?:\/\/[^/\s]+\/?$/.test(o.advertise))
            throw new UsageError(`--advertise must be ws://HOST:PORT or wss://HOST:PORT: ${o.advertise}`);
          const advertise = o.advertise?.replace(/\/$/, '');
          growHeapForBlockTraffic();
          const { secret } = joinSecretOf(o);
          if (!secret) throw new UsageError('a storage node needs the join secret: --join-secret, --join-secret-file or DFS_JOIN_SECRET');
          if (!o.memory === !o.dataDir) throw new UsageError('choose where blocks live: --data-dir DIR or --memory');
          if (o.capacity !== undefined && !o.dataDir) throw new UsageError('--capacity is for a node with --data-dir');
          const capacityLimit = o.capacity === undefined ? undefined : sizeBytes('--capacity', o.capacity);
          const disk = o.dataDir ? DiskBlockStore.open(o.dataDir, { capacityLimit }) : undefined;
          const node = new StorageNode({
            masterUrl,
            host: o.host,
            port: port(o.port),
            store: disk ?? new MemoryBlockStore(),
            nodeId: disk?.nodeId,
            joinSecret: secret,
            tls: readTlsFiles(o.tlsCert, o.tlsKey),
            ca: readCa(globals().ca ?? process.env.DFS_CA),
            advertiseUrl: advertise,
            // blocks in memory carry no checksum of their own to check
            scrubBytesPerSecond: disk ? scrubRate * MiB : 0,
            scrubStartDelayMs: scrubAfter * 1000,
          });
          const url = await listening('dfs storage', o.host, port(o.port), () => node.start());
          process.stdout.write(`storage: ${url}${advertise ? ` (advertised as ${advertise})` : ''}\n`);
          onShutdown(() => node.stop());
        },
      ),
    );

  program
    .command('up')
    .description('run a local cluster (a master and storage nodes) in one command, optionally mounted')
    .option('--data-dir <dir>', 'where the cluster keeps its data', defaultDataDir())
    .option('--port <port>', 'master port', '7070')
    .option('--storage-nodes <n>', 'number of storage nodes', '3')
    .option('--replicas <n>', "the cluster's default copies of each block (a new cluster: 2, or 1 with one node)")
    .option('--block-size <size>', "a new cluster's block size, 64K to 4M (default 4M)")
    .option('--min-replicas <n>', 'copies of each block a write must store to succeed', String(DEFAULTS.minReplicas))
    .option('--memory', 'keep everything in memory, lost on exit (default: on disk under --data-dir)')
    .option('--mount <dir>', 'also mount the cluster at this directory')
    .option('--tls', 'serve every link over TLS, with a private CA made in the data dir')
    .option('--trash-days <days>', TRASH_DAYS_HELP, DEFAULT_TRASH_DAYS)
    .action(
      action(
        async (o: {
          dataDir: string;
          port: string;
          storageNodes: string;
          replicas?: string;
          minReplicas: string;
          blockSize?: string;
          memory?: boolean;
          mount?: string;
          tls?: boolean;
          trashDays: string;
        }) => {
          const count = Number(o.storageNodes);
          if (!Number.isInteger(count) || count < 1 || count > 32) throw new UsageError('--storage-nodes must be 1 to 32');
          growHeapForBlockTraffic(); // for the storage nodes; the master in this process lets its heap grow too
          const masterDir = path.join(o.dataDir, 'master');
          // a new cluster keeps two copies when it can; an existing one keeps what it has unless told
          const wanted = replicas(o.replicas) ?? (hasMetadata(masterDir) && !o.memory ? undefined : Math.min(2, count));
          const certs = o.tls ? ensureLoopbackCerts(path.join(o.dataDir, 'tls')) : undefined;
          const tls = certs ? readTlsFiles(certs.cert, certs.key) : undefined;
          const ca = certs ? fs.readFileSync(certs.ca) : undefined;
          if (!o.memory) holdDataDir(masterDir);
          const master = new Master({
            host: '127.0.0.1',
            port: port(o.port),
            dataDir: masterDir,
            replicas: wanted,
            minReplicas: replicas(o.minReplicas, '--min-replicas'),
            blockSize: blockSize(o.blockSize),
            adminPassword: process.env.DFS_ADMIN_PASSWORD,
            tls,
            persist: !o.memory,
            trashMs: trashMs(o.trashDays),
          });
          const started = await listening('dfs up', '127.0.0.1', port(o.port), () => master.start());
          const nodes: StorageNode[] = [];
          for (let i = 0; i < count; i++) {
            const disk = o.memory ? undefined : DiskBlockStore.open(path.join(o.dataDir, `storage-${i + 1}`));
            const node = new StorageNode({
              masterUrl: started.url,
              host: '127.0.0.1',
              port: 0,
              store: disk ?? new MemoryBlockStore(),
              nodeId: disk?.nodeId,
              joinSecret: master.joinSecret,
              tls,
              ca,
              scrubBytesPerSecond: disk ? DEFAULTS.scrubBytesPerSecond : 0,
            });
            await node.start();
            nodes.push(node);
          }
          const { token, expires } = await master.mintSession('admin');
          saveSession({ master: started.url, token, user: 'admin', expires, ca: certs?.ca });
          process.stdout.write(`master: ${started.url}\n`);
          if (certs) process.stdout.write(`ca: ${certs.ca}\n`);
          if (started.generatedAdminPassword) process.stdout.write(`admin password: ${started.generatedAdminPassword} (shown once)\n`);
          process.stdout.write(`storage nodes: ${nodes.length}; the local CLI is logged in as admin\n`);
          let mount: ChildProcess | undefined;
          if (o.mount) {
            const args = ['mount', o.mount, '--master', started.url, ...(certs ? ['--ca', certs.ca] : [])];
            mount = spawn(dfsBin(), args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DFS_NODE: process.execPath } });
            mount.on('exit', (code) => {
              if (code) log(`dfs: mount exited with ${code}`);
              mount = undefined;
            });
          }
          onShutdown(async () => {
            if (mount) {
              const m = mount;
              await new Promise<void>((resolve) => {
                m.once('exit', () => resolve());
                m.kill('SIGTERM');
              });
            }
            for (const n of nodes) await n.stop();
            await master.stop();
          });
        },
      ),
    );
}
