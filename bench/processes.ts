// The processes and mounts the bench starts, each registered with cleanup.ts when it starts,
// and the commands it runs to measure. Servers and mount daemons run in process groups of
// their own (detached), so a Ctrl-C at the terminal reaches the bench alone, which then
// stops them in order (a mount before its daemon, a daemon before its master); they are
// signalled by their own PID only.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isStopping, undoLater } from './cleanup.js';
import { descendants, stillRunning } from './proc-fs.js';

/** How long a process has after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 30_000;
/** How much of a daemon's output is kept, for the error when it fails. */
const OUTPUT_KEPT = 16 * 1024;
const POLL_MS = 100;

export interface Started {
  name: string;
  pid: number;
  /** The end of what it has printed on stdout and stderr. */
  output(): string;
  alive(): boolean;
  /** Resolves once it has exited, by itself or stopped. */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

export function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  if (isStopping()) throw new Error(`not starting ${name}: the bench is stopping`);
  const proc: ChildProcess = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.once('error', (err) => keep(Buffer.from(`\n${cmd}: ${err.message}\n`)));
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined;
  const stop = async (): Promise<void> => {
    if (!alive()) return;
    // its children too (mfsmaster writes metadata from one): each gets the grace period to
    // finish after its parent has gone, then SIGKILL
    const children = proc.pid === undefined ? [] : descendants(proc.pid);
    proc.kill('SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    for (const child of children) {
      while (stillRunning(child) && Date.now() < deadline) await sleep(POLL_MS);
      try {
        if (stillRunning(child)) process.kill(child.pid, 'SIGKILL');
      } catch {
        // it ended just now
      }
    }
  };
  const done = undoLater(`${name} (pid ${proc.pid})`, stop);
  void exited.then(done);
  return { name, pid: proc.pid ?? -1, output: () => out, alive, exited, stop };
}

/** Waits until `ready` holds; fails when it takes too long or one of `watched` exits first. */
export async function waitFor(what: string, ready: () => boolean, timeoutMs: number, watched: Started[] = []): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (ready()) return;
    const dead = watched.find((p) => !p.alive());
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.output()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${watched.map((p) => `\n--- ${p.name}:\n${p.output()}`).join('')}`);
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isMounted(dir: string): boolean {
  const abs = path.resolve(dir);
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4]?.replace(/\\040/g, ' ') === abs);
}

function execOk(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(cmd, args, (err) => resolve(!err)));
}

/** Unmounts `dir` if it is mounted: normally, else lazily (a daemon that died leaves it dangling). */
export async function unmount(dir: string): Promise<void> {
  if (!isMounted(dir)) return;
  if ((await execOk('umount', [dir])) || !isMounted(dir)) return;
  await execOk('umount', ['-l', dir]);
}

/** Registers `dir` to be unmounted at cleanup, should the bench stop before it does so itself. */
export function unmountLater(dir: string): () => void {
  return undoLater(`the mount at ${dir}`, () => unmount(dir));
}

export interface RunResult {
  stdout: string;
  stderr: string;
  secs: number;
}

/** Runs a command to completion; a non-zero exit is an error carrying its stderr. */
export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) resolve({ stdout, stderr, secs });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

/** Drops the page cache (root only); without it reads of a file just written measure memory. */
export function dropCaches(): boolean {
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}
