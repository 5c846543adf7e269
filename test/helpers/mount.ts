// Real FUSE mounts for tests: `dfs mount` in its own process (a process that serves a mount
// and touches it deadlocks), real coreutils through `sh -c`, and an unmount at teardown
// that also runs when the test fails: SIGTERM the daemon, then `fusermount -uz` if the
// mount is still there.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DFS_BIN, spawnCluster, tempDir, waitForLine, type RunResult, type SpawnedCluster, type Teardown } from './cluster.js';

/** Why mount tests cannot run here, or undefined when they can. */
export function fuseUnavailable(): string | undefined {
  if (!fs.existsSync('/dev/fuse')) return 'no /dev/fuse on this host (a container needs --device /dev/fuse --cap-add SYS_ADMIN)';
  return undefined;
}

export interface Mounted {
  /** The mount point. */
  dir: string;
  proc: ChildProcess;
  /** Everything the daemon printed on stderr so far. */
  stderr(): string;
  /** Runs a shell command line with `cwd` inside the mount (or `opts.cwd`). */
  sh(cmd: string, opts?: { cwd?: string; input?: string | Buffer }): Promise<RunResult>;
  /** Stops the daemon (SIGTERM) and waits for it and the mount to be gone. */
  unmount(signal?: NodeJS.Signals): Promise<number | null>;
}

export function sh(cmd: string, opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', cmd], { cwd: opts.cwd, env: opts.env ?? { ...process.env, LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    p.stdin.end(opts.input);
  });
}

export function isMounted(dir: string): boolean {
  const abs = path.resolve(dir);
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((line) => line.split(' ')[4]?.replace(/\\040/g, ' ') === abs);
}

function fusermountLazy(dir: string): Promise<void> {
  return new Promise((resolve) => {
    execFile('fusermount', ['-uz', dir], (err) => {
      if (!err || !isMounted(dir)) return resolve();
      execFile('umount', ['-l', dir], () => resolve());
    });
  });
}

/**
 * How a test stops the daemon serving `dir`: `signal` (SIGTERM by default), SIGKILL after
 * `killAfterMs`, then a lazy unmount if the mount is still there. Also registered as a
 * teardown, so that it happens when the test fails too. Resolves with the exit code.
 */
export function daemonStopper(t: Teardown, proc: ChildProcess, dir: string, killAfterMs: number): (signal?: NodeJS.Signals) => Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    const code = await exited;
    clearTimeout(timer);
    if (isMounted(dir)) await fusermountLazy(dir);
    return code;
  };
  t.teardown(async () => {
    try {
      await stop();
    } catch {
      // a teardown that throws would skip the ones after it
    }
  });
  return stop;
}

/** Mounts `cluster` at a fresh directory (or `opts.dir`) with `dfs mount` as its own process. */
export async function mount(t: Teardown, cluster: Pick<SpawnedCluster, 'url' | 'env'>, opts: { dir?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Mounted> {
  const dir = opts.dir ?? path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTCONN') throw err; // a dead mount: `dfs mount` clears it
  }
  const proc = spawn(DFS_BIN, ['mount', dir, '--master', cluster.url, ...(opts.args ?? [])], {
    env: { ...cluster.env, ...opts.env, DFS_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  // registered after the mount point's directory, so it runs before that is removed
  const unmount = daemonStopper(t, proc, dir, 20_000);
  try {
    await waitForLine(proc, /^mounted: /m, 20_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nstderr: ${stderr}`, { cause: err });
  }
  return {
    dir,
    proc,
    unmount,
    stderr: () => stderr,
    sh: (cmd, o = {}) => sh(cmd, { cwd: o.cwd ?? dir, input: o.input }),
  };
}

/** A fresh cluster (`dfs up` in its own process) mounted once. */
export async function mountedCluster(t: Teardown, opts: { nodes?: number; replicas?: number } = {}): Promise<{ cluster: SpawnedCluster; mnt: Mounted }> {
  const cluster = await spawnCluster(t, { nodes: opts.nodes ?? 3, replicas: opts.replicas, args: ['--memory'] });
  const mnt = await mount(t, cluster);
  return { cluster, mnt };
}

/** A scratch directory on the local file system, to run the same commands against. */
export function localDir(t: Teardown): string {
  return tempDir(t, 'dfs-local-');
}
