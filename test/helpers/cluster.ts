// Test clusters on 127.0.0.1 with ephemeral ports, always torn down by the test that made them.
//  - spawnCluster: `bin/dfs up` in its own process, driven through the real CLI or a client.
//  - localCluster: master and storage nodes in the test process (real sockets), for tests
//    that must look inside a node's block store.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DfsClient } from '../../src/client/client.js';
import { Master, type MasterOptions } from '../../src/master/master.js';
import { MemoryBlockStore } from '../../src/storage/memory-store.js';
import { StorageNode } from '../../src/storage/storage-node.js';
import type { BlockStore } from '../../src/storage/block-store.js';

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DFS_BIN = path.join(ROOT, 'bin', 'dfs');
export const ADMIN_PASSWORD = 'admin-test-password';

export function tempDir(t: Teardown, prefix = 'dfs-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `bin/dfs` with the given env and optional stdin. */
export function runDfs(args: string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(DFS_BIN, args, { env: { ...env, DFS_NODE: process.execPath }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    p.stdin.end(input);
  });
}

export interface SpawnedCluster {
  url: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  /** The cluster's CA, when it was started with --tls. */
  ca?: Buffer;
  dfs: (args: string[], input?: string | Buffer) => Promise<RunResult>;
  /** An admin client of this cluster (closed at teardown). */
  client(): Promise<DfsClient>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const stdoutSoFar = new WeakMap<ChildProcess, { text: string }>();

/** Everything a child has printed on stdout, collected from the first call on. */
function collect(proc: ChildProcess): { text: string } {
  let acc = stdoutSoFar.get(proc);
  if (!acc) {
    const a = { text: '' };
    proc.stdout!.on('data', (d: Buffer) => {
      a.text += d.toString('utf8');
    });
    stdoutSoFar.set(proc, a);
    acc = a;
  }
  return acc;
}

/** Waits for a child's stdout (from its start) to contain a line matching `re`. */
export function waitForLine(proc: ChildProcess, re: RegExp, timeoutMs = 15000): Promise<RegExpMatchArray> {
  const acc = collect(proc);
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = acc.text.match(re);
      if (m) {
        cleanup();
        resolve(m);
      }
      return !!m;
    };
    const onData = (): void => {
      setImmediate(check);
    };
    const onExit = (code: number | null): void => {
      if (check()) return;
      cleanup();
      reject(new Error(`process exited (${code}) before printing ${re}: ${acc.text}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no line matching ${re} within ${timeoutMs} ms: ${acc.text}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      proc.off('exit', onExit);
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', onExit);
    check();
  });
}

export async function spawnCluster(t: Teardown, opts: { nodes?: number; replicas?: number; args?: string[]; dir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SpawnedCluster> {
  const dir = opts.dir ?? tempDir(t);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DFS_CONFIG_DIR: path.join(dir, 'config'),
    DFS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    DFS_MASTER: undefined,
    ...opts.env,
  };
  const args = ['up', '--data-dir', path.join(dir, 'data'), '--port', '0', '--storage-nodes', String(opts.nodes ?? 3)];
  if (opts.replicas) args.push('--replicas', String(opts.replicas));
  args.push(...(opts.args ?? []));
  const proc = spawn(DFS_BIN, args, { env: { ...env, DFS_NODE: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  collect(proc);
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  t.teardown(() => stop());
  const clients: DfsClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  let url: string;
  let ca: Buffer | undefined;
  try {
    // one wait for both lines: they may arrive in one chunk, which a second wait would miss
    url = (await waitForLine(proc, /^master: (ws\S+)$[\s\S]*^storage nodes: /m))[1];
    if (url.startsWith('wss:')) ca = fs.readFileSync(path.join(dir, 'data', 'tls', 'ca.pem'));
  } catch (err) {
    throw new Error(`${(err as Error).message}\nstderr: ${stderr}`, { cause: err });
  }
  return {
    url,
    dir,
    env,
    proc,
    stop,
    dfs: (a, input) => runDfs(a, env, input),
    ca,
    async client() {
      const c = new DfsClient(url, { ca });
      await c.login('admin', ADMIN_PASSWORD);
      clients.push(c);
      return c;
    },
  };
}

export interface LocalCluster {
  url: string;
  master: Master;
  nodes: StorageNode[];
  stores: BlockStore[];
  admin: DfsClient;
  client(user: string, password: string, totp?: string): Promise<DfsClient>;
}

export async function localCluster(
  t: Teardown,
  opts: {
    nodes?: number;
    replicas?: number;
    blockSize?: number;
    sessionTtlMs?: number;
    /** Serve master and nodes over TLS with this certificate; nodes and clients trust `ca`. */
    tls?: { cert: Buffer; key: Buffer; ca: Buffer };
    loginLimits?: MasterOptions['loginLimits'];
    /** Heartbeat period of master and nodes (replication tests make it short). */
    heartbeatMs?: number;
    replication?: MasterOptions['replication'];
    blockListPage?: number;
    /** Node i's block store (default: one in memory). */
    store?: (i: number) => BlockStore;
    /** More master options. */
    master?: Partial<MasterOptions>;
    /** Trash retention (default the master's, a day; 0: no trash) and how often it is purged. */
    trashMs?: number;
    trashPurgeEveryMs?: number;
    /** The master's data dir (default a fresh one): a test restarting a master passes its own. */
    dataDir?: string;
    /** Bytes each storage node has room for (default half the RAM). */
    nodeCapacity?: number;
    /** A node missing heartbeats this long is dead (default DEFAULTS.deadAfterMs). */
    deadAfterMs?: number;
  } = {},
): Promise<LocalCluster> {
  const dir = tempDir(t);
  const tls = opts.tls ? { cert: opts.tls.cert, key: opts.tls.key } : undefined;
  const ca = opts.tls?.ca;
  const master = new Master({
    host: '127.0.0.1',
    port: 0,
    dataDir: opts.dataDir ?? path.join(dir, 'master'),
    adminPassword: ADMIN_PASSWORD,
    replicas: opts.replicas,
    blockSize: opts.blockSize,
    sessionTtlMs: opts.sessionTtlMs,
    tls,
    loginLimits: opts.loginLimits,
    heartbeatMs: opts.heartbeatMs,
    replication: opts.replication,
    blockListPage: opts.blockListPage,
    trashMs: opts.trashMs,
    trashPurgeEveryMs: opts.trashPurgeEveryMs,
    deadAfterMs: opts.deadAfterMs,
    ...opts.master,
  });
  const { url } = await master.start();
  t.teardown(() => master.stop());
  const stores: BlockStore[] = [];
  const nodes: StorageNode[] = [];
  for (let i = 0; i < (opts.nodes ?? 3); i++) {
    const store = opts.store?.(i) ?? new MemoryBlockStore(opts.nodeCapacity);
    const node = new StorageNode({ masterUrl: url, host: '127.0.0.1', port: 0, store, joinSecret: master.joinSecret, tls, ca, heartbeatMs: opts.heartbeatMs });
    await node.start();
    t.teardown(() => node.stop());
    stores.push(store);
    nodes.push(node);
  }
  const clients: DfsClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  const client = async (user: string, password: string, totp?: string): Promise<DfsClient> => {
    const c = new DfsClient(url, { ca });
    await c.login(user, password, totp);
    clients.push(c);
    return c;
  };
  return { url, master, nodes, stores, admin: await client('admin', ADMIN_PASSWORD), client };
}

/** Every block every store holds, as stored (ciphertext). */
export async function storedBlocks(stores: readonly BlockStore[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const s of stores) for (const id of s.ids()) out.push((await s.get(id))!);
  return out;
}
