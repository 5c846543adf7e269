// What every FUSE operation group shares, and the glue from promises to fuse-native's
// callbacks. Handlers run on the one JavaScript thread: they may await, never block.
import type { FileHandle } from '../client/file-handle.js';
import type { DfsClient } from '../client/client.js';
import { fuseErrno, type Log } from './errno.js';
import type { HandleTable } from './handles.js';
import type { IdMap } from '../client/id-map.js';
import type { AttrCache } from './attr-cache.js';
import type { StatAhead } from './stat-ahead.js';

export interface FuseContext {
  client: DfsClient;
  files: HandleTable<FileHandle>;
  /** Attributes by path, answered without the master for a short while (attr-cache.ts). */
  attrs: AttrCache;
  /** Lists a directory whose names miss the cache one after another (stat-ahead.ts); none when the cache is off. */
  statAhead?: StatAhead;
  log: Log;
  /** dfs owners shown as local uids and gids, and local ids in chown turned back. */
  ids: IdMap;
  /** Log every operation with its duration (dfs mount --trace). */
  trace?: boolean;
}

function traced<T>(ctx: FuseContext, what: string, p: Promise<T>): Promise<T> {
  if (!ctx.trace) return p;
  const t0 = process.hrtime.bigint();
  const done = (outcome: string): void => ctx.log(`fuse ${what} ${outcome} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3)} ms`);
  p.then(
    () => done('ok'),
    (err: unknown) => done((err as { code?: string }).code ?? 'error'),
  );
  return p;
}

/** Runs `work` and answers the kernel: 0 and the value, or a negative errno. */
export function answer<T>(ctx: FuseContext, what: string, cb: (errno: number, value?: T) => void, work: () => Promise<T>): void {
  let p: Promise<T>;
  try {
    p = traced(ctx, what, work());
  } catch (err) {
    cb(fuseErrno(err, ctx.log, what));
    return;
  }
  p.then(
    (value) => cb(0, value),
    (err: unknown) => cb(fuseErrno(err, ctx.log, what)),
  );
}

/** For read and write, whose answer is the byte count itself. */
export function answerCount(ctx: FuseContext, what: string, cb: (n: number) => void, work: () => Promise<number>): void {
  let p: Promise<number>;
  try {
    p = traced(ctx, what, work());
  } catch (err) {
    cb(fuseErrno(err, ctx.log, what));
    return;
  }
  p.then(cb, (err: unknown) => cb(fuseErrno(err, ctx.log, what)));
}

/**
 * Runs a change and then, whatever came of it, `forget`s the cached attributes it may have
 * touched: a call that failed on the way back may still have been done at the master.
 */
export async function changing<T>(work: () => Promise<T>, forget: () => void): Promise<T> {
  try {
    return await work();
  } finally {
    forget();
  }
}
