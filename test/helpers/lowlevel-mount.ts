// A test file system served by a child process at a fresh directory, with commands to it
// over IPC and a teardown that always ends the child and the mount, also when a test fails:
// the low-level binding's (lowlevel-memfs.ts, served by lowlevel-child.ts) and the by-inode
// dfs layer's on the in-memory backend (inode-child.ts).
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, type Teardown } from './cluster.js';
import type { ChildCommand, ChildConfig } from './lowlevel-child.js';
import { daemonStopper } from './mount.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lowlevel-child.js');

export interface ChildEvent {
  event: string;
  [k: string]: unknown;
}

export interface ChildMount<C> {
  dir: string;
  proc: ChildProcess;
  /** Sends a command and resolves with the child's answer (rejects with its error code). */
  ask<T = Record<string, unknown>>(c: C): Promise<T>;
  /** Resolves with the first event (past or future) that matches. */
  event(name: string, match?: (e: ChildEvent) => boolean, timeoutMs?: number): Promise<ChildEvent>;
  stderr(): string;
  /** SIGTERM (the child unmounts) and wait for the child and the mount to be gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export type MemMount = ChildMount<ChildCommand>;

/** `opts.create` false: the mount point is used as it is, missing or not. */
export function mountMemFs(t: Teardown, cfg: ChildConfig = {}, opts: { dir?: string; create?: boolean } = {}): Promise<MemMount> {
  return mountChild<ChildCommand>(t, CHILD, cfg, opts);
}

/**
 * Forks `script` (node script.js MOUNTPOINT CONFIG_JSON), which mounts and then sends
 * {event: 'mounted'} (or 'failed') and answers each {id, cmd} with {id, ...}.
 */
export async function mountChild<C extends object>(t: Teardown, script: string, cfg: object, opts: { dir?: string; create?: boolean } = {}): Promise<ChildMount<C>> {
  const dir = opts.dir ?? path.join(tempDir(t, 'dfs-llmnt-'), 'mnt');
  if (opts.create !== false) fs.mkdirSync(dir, { recursive: true });
  const proc = fork(script, [dir, JSON.stringify(cfg)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const events: ChildEvent[] = [];
  const waiters: { name: string; match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }[] = [];
  const answers = new Map<number, (m: Record<string, unknown>) => void>();
  let nextId = 1;
  proc.on('message', (m: Record<string, unknown>) => {
    if (typeof m.id === 'number') {
      answers.get(m.id)?.(m);
      answers.delete(m.id);
      return;
    }
    const e = m as ChildEvent;
    events.push(e);
    for (const w of [...waiters]) {
      if (w.name === e.event && w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = daemonStopper(t, proc, dir, 10_000);
  /** timeoutMs 0: no deadline (the caller races it against something else). */
  const event = (name: string, match: (e: ChildEvent) => boolean = () => true, timeoutMs = 20_000): Promise<ChildEvent> => {
    const seen = events.find((e) => e.event === name && match(e));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = timeoutMs
        ? setTimeout(() => reject(new Error(`no ${name} event from the file system within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs).unref()
        : undefined;
      waiters.push({
        name,
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  };
  const ask = <T>(c: C): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      answers.set(id, (m) => (m.error ? reject(Object.assign(new Error(String(m.message)), { code: m.error })) : resolve(m as T)));
      proc.send({ id, ...c });
    });
  const first = await Promise.race([event('mounted', undefined, 0), event('failed', undefined, 0), exited.then((code) => ({ event: 'exited', code }))]);
  if (first.event !== 'mounted') throw new Error(`the test file system did not mount: ${JSON.stringify(first)}; stderr: ${stderr}`);
  return { dir, proc, ask, event, stop, stderr: () => stderr };
}
