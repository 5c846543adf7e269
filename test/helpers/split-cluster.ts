// A cluster of separate processes — `dfs master` and one `dfs storage --data-dir` per node —
// so a test can kill or restart any one of them. The master keeps one port across restarts,
// so storage nodes (which re-dial on their next heartbeat) find it again.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DfsClient } from '../../src/client/client.js';
import type { ClusterStatus } from '../../src/protocol/types.js';
import { ADMIN_PASSWORD, DFS_BIN, runDfs, tempDir, waitForLine, type RunResult, type Teardown } from './cluster.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  proc: ChildProcess;
  stderr(): string;
  /** Sends `signal` (SIGTERM: a clean stop) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
}

function launch(t: Teardown, args: string[], env: NodeJS.ProcessEnv): Proc {
  const proc = spawn(DFS_BIN, args, { env: { ...env, DFS_NODE: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const p: Proc = {
    proc,
    stderr: () => err,
    get running() {
      return proc.exitCode === null && proc.signalCode === null;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (p.running) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    },
  };
  t.teardown(() => p.stop('SIGKILL'));
  return p;
}

export interface SplitCluster {
  dir: string;
  url: string;
  masterDir: string;
  nodeDirs: string[];
  env: NodeJS.ProcessEnv;
  master?: Proc;
  nodes: (Proc | undefined)[];
  startMaster(): Promise<void>;
  startNode(i: number): Promise<void>;
  /** An admin client (closed at teardown). */
  client(): Promise<DfsClient>;
  /** Runs the CLI, logged in as admin. */
  dfs: (args: string[], input?: string) => Promise<RunResult>;
  status(): Promise<ClusterStatus>;
  /** Waits until exactly the running nodes are up at the master, and their copies count. */
  settle(timeoutMs?: number): Promise<ClusterStatus>;
}

export async function splitCluster(t: Teardown, opts: { nodes?: number; replicas?: number; masterArgs?: string[]; nodeArgs?: string[] } = {}): Promise<SplitCluster> {
  const dir = tempDir(t, 'dfs-split-');
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DFS_CONFIG_DIR: path.join(dir, 'config'),
    DFS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    DFS_MASTER: url,
  };
  const masterDir = path.join(dir, 'master');
  const count = opts.nodes ?? 3;
  const nodeDirs = Array.from({ length: count }, (_, i) => path.join(dir, `storage-${i + 1}`));
  const clients: DfsClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  let admin: DfsClient | undefined;

  const c: SplitCluster = {
    dir,
    url,
    masterDir,
    nodeDirs,
    env,
    nodes: nodeDirs.map(() => undefined),
    async startMaster() {
      const args = ['master', '--host', '127.0.0.1', '--port', String(port), '--data-dir', masterDir];
      if (opts.replicas) args.push('--replicas', String(opts.replicas));
      args.push(...(opts.masterArgs ?? []));
      const m = launch(t, args, env);
      c.master = m;
      try {
        await waitForLine(m.proc, /^master: ws/m, 60000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nstderr: ${m.stderr()}`, { cause: err });
      }
    },
    async startNode(i: number) {
      const args = ['--master', url, 'storage', '--data-dir', nodeDirs[i], '--join-secret-file', path.join(masterDir, 'join-secret'), ...(opts.nodeArgs ?? [])];
      const n = launch(t, args, env);
      c.nodes[i] = n;
      try {
        await waitForLine(n.proc, /^storage: ws/m, 30000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nstderr: ${n.stderr()}`, { cause: err });
      }
    },
    async client() {
      const cl = new DfsClient(url);
      await cl.login('admin', ADMIN_PASSWORD);
      clients.push(cl);
      return cl;
    },
    async dfs(args: string[], input?: string) {
      if (!fs.existsSync(path.join(dir, 'config'))) {
        const r = await runDfs(['login', '--user', 'admin', '--password-stdin'], env, ADMIN_PASSWORD);
        if (r.code !== 0) throw new Error(`login: ${r.stderr}`);
      }
      return runDfs(args, env, input);
    },
    async status() {
      admin ??= await c.client();
      return admin.status();
    },
    async settle(timeoutMs = 60000) {
      const want = c.nodes.filter((n) => n?.running).length;
      const end = Date.now() + timeoutMs;
      let last: ClusterStatus | undefined;
      let lastErr: unknown;
      for (;;) {
        try {
          last = await c.status();
          // fsck's view: every running node up and listed; nothing missing for lack of a report
          if (last.nodes.filter((n) => n.alive).length === want) return last;
        } catch (err) {
          lastErr = err;
        }
        if (Date.now() > end) throw new Error(`cluster did not settle: ${JSON.stringify(last) ?? String(lastErr)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
  await c.startMaster();
  for (let i = 0; i < count; i++) await c.startNode(i);
  await c.settle();
  return c;
}

/** Polls `check` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 60000): Promise<T> {
  const end = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Block ids held in a storage data dir (the files under blocks/). */
export function blocksOnDisk(nodeDir: string): Set<string> {
  const out = new Set<string>();
  const root = path.join(nodeDir, 'blocks');
  if (!fs.existsSync(root)) return out;
  for (const sub of fs.readdirSync(root)) for (const f of fs.readdirSync(path.join(root, sub))) out.add(f);
  return out;
}
