// The mount daemon: builds the FUSE operation table over a logged-in DfsClient, mounts it
// with the options in native-notes/fuse-options.md, watches that the mount and the master
// are still there, and unmounts cleanly. It must run in a process of its own: a process
// that serves a mount and also touches files in it deadlocks on itself.
import type { IdMap } from '../client/id-map.js';
import path from 'node:path';
import Fuse, { type FuseOps, type FuseOptions } from 'fuse-native';
import type { DfsClient } from '../client/client.js';
import type { FileTime } from '../protocol/types.js';
import type { FileHandle } from '../client/file-handle.js';
import { DEFAULTS } from '../defaults.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import { AttrCache } from './attr-cache.js';
import { attrOps } from './attr-ops.js';
import { patchedAddon, utimeArg } from './binding.js';
import type { FuseContext } from './context.js';
import { dirOps, listInto } from './dir-ops.js';
import { fuseErrno, type Log } from './errno.js';
import { fileOps } from './file-ops.js';
import { HandleTable } from './handles.js';
import { linkOps } from './link-ops.js';
import { findMount, prepareMountpoint, raiseReadahead, stillMounted, unmount } from './mounts.js';
import { StatAhead } from './stat-ahead.js';
import { statArray } from './stat.js';

export interface MountOptions {
  mountpoint: string;
  client: DfsClient;
  log: Log;
  /** Let other local users in (they act as the mount's dfs user); needs user_allow_other for non-root. */
  allowOther?: boolean;
  /** libfuse's request trace on stderr. */
  debug?: boolean;
  /** Every operation and its duration on the log. */
  trace?: boolean;
  /** The master unreachable this long counts as gone for good (default DEFAULTS.mountMasterGoneMs). */
  masterGoneMs?: number;
  /** How long stat answers from the daemon's attribute cache (default DEFAULTS.mountAttrCacheMs; 0: never). */
  attrCacheMs?: number;
  /** How owners are shown (default: local accounts of the same name). */
  ids: IdMap;
  /** Called once when the daemon stops by itself (mount gone, master gone). */
  onStop?: (reason: string, failed: boolean) => void;
}

/** The -o options, each explained in native-notes/fuse-options.md. */
export function fuseOptionList(o: { allowOther?: boolean; debug?: boolean }): string[] {
  const list = [
    'fsname=dfs',
    'subtype=dfs',
    'big_writes',
    'max_write=131072',
    'use_ino',
    'entry_timeout=1',
    'negative_timeout=0',
    'attr_timeout=0',
    'auto_cache',
    'atomic_o_trunc',
  ];
  if (o.allowOther) list.push('allow_other');
  if (o.debug) list.push('debug');
  return list;
}

/** Operations whose answer may wait on block transfers get the long deadline. */
const DATA_OPS = ['read', 'write', 'flush', 'fsync', 'release', 'create', 'open', 'truncate', 'ftruncate'];

function timeouts(): Record<string, number> {
  const t: Record<string, number> = { default: DEFAULTS.fuseOpTimeoutMs };
  for (const op of DATA_OPS) t[op] = DEFAULTS.fuseDataOpTimeoutMs;
  return t;
}

/**
 * fuse-native with three fixes: it passes only an allow-list of -o options (big_writes,
 * max_write, use_ino, negative_timeout, atomic_o_trunc are not on it, and a 0 timeout is
 * dropped as falsy), its fgetattr glue calls ops.getattr without the handle, and utimens
 * arguments come from dfs's patched addon in a layout of their own (src/fuse/binding.ts).
 */
export class DfsFuse extends Fuse {
  constructor(
    mnt: string,
    ops: FuseOps,
    opts: FuseOptions,
    private readonly optionList: string[],
  ) {
    super(mnt, ops, opts);
  }

  protected override _fuseOptions(): string {
    return `-o${this.optionList.join(',')}`;
  }

  protected override _op_fgetattr(signal: (errno: number, stat?: Uint32Array) => void, p: string, fd: number): void {
    this.ops.fgetattr!(p, fd, (errno, st) => (errno || !st ? signal(errno || -5) : signal(0, statArray(st))));
  }

  /** The patched addon passes (atime ms, kind, mtime ms, kind); see utimeArg. */
  protected override _op_utimens(signal: (errno: number) => void, p: string, atimeMs: number, atimeKind: number, mtimeMs: number, mtimeKind: number): void {
    let times: [FileTime, FileTime];
    try {
      times = [utimeArg(atimeMs, atimeKind), utimeArg(mtimeMs, mtimeKind)];
    } catch (err) {
      signal(fuseErrno(err));
      return;
    }
    this.ops.utimens!(p, times[0], times[1], signal);
  }
}

export class MountDaemon {
  readonly mountpoint: string;
  private readonly files = new HandleTable<FileHandle>();
  private readonly attrs: AttrCache;
  /** How long the attribute cache keeps an answer; stat-ahead lists a directory at most this often. */
  private readonly attrTtlMs: number;
  private fuse?: DfsFuse;
  private watch?: NodeJS.Timeout;
  private masterDownSince?: number;
  private probing = false;
  private stopping?: Promise<void>;

  constructor(private readonly o: MountOptions) {
    this.mountpoint = path.resolve(o.mountpoint);
    this.attrTtlMs = o.attrCacheMs ?? DEFAULTS.mountAttrCacheMs;
    this.attrs = new AttrCache(this.attrTtlMs, DEFAULTS.mountAttrCacheEntries);
  }

  ops(): FuseOps {
    const ctx: FuseContext = {
      client: this.o.client,
      files: this.files,
      attrs: this.attrs,
      log: this.o.log,
      trace: this.o.trace,
      ids: this.o.ids,
    };
    if (this.attrTtlMs > 0) {
      // a huge directory: its first pages only, and then no listing ahead for a long while
      ctx.statAhead = new StatAhead(async (dir) => (await listInto(ctx, dir, DEFAULTS.mountStatAheadMaxEntries)).entries.length, {
        misses: DEFAULTS.mountStatAheadMisses,
        windowMs: this.attrTtlMs,
        maxEntries: DEFAULTS.mountStatAheadMaxEntries,
        backoffMs: DEFAULTS.mountStatAheadBackoffMs,
        maxDirs: DEFAULTS.mountStatAheadDirs,
      });
    }
    return { ...attrOps(ctx), ...dirOps(ctx), ...fileOps(ctx), ...linkOps(ctx) };
  }

  async start(): Promise<void> {
    patchedAddon(); // refuse before touching anything when file times would be lost
    await prepareMountpoint(this.mountpoint, this.o.log);

    const fuse = new DfsFuse(this.mountpoint, this.ops(), { timeout: timeouts() }, fuseOptionList(this.o));
    await new Promise<void>((resolve, reject) => {
      fuse.mount((err) => (err ? reject(new DfsError('EIO', `cannot mount ${this.mountpoint}: ${err.message}`)) : resolve()));
    });
    this.fuse = fuse;
    await raiseReadahead(this.mountpoint, this.o.log);
    this.watch = setInterval(() => void this.check(), DEFAULTS.mountWatchMs);
  }

  /** Stops by itself when someone unmounted us, or when the master is gone for good. */
  private async check(): Promise<void> {
    if (this.stopping) return;
    if (!(await stillMounted(this.mountpoint))) {
      this.selfStop('the mount was unmounted', false);
      return;
    }
    if (this.probing) return;
    this.probing = true;
    try {
      await this.o.client.ping(); // one try: the give-up time is counted here
      this.masterDownSince = undefined;
    } catch (err) {
      const code = toDfsError(err).code;
      if (code !== 'ECONNREFUSED' && code !== 'ENOTCONN' && code !== 'ETIMEDOUT') return;
      this.masterDownSince ??= Date.now();
      const limit = this.o.masterGoneMs ?? DEFAULTS.mountMasterGoneMs;
      if (Date.now() - this.masterDownSince >= limit) {
        this.selfStop(`the master at ${this.o.client.url} has been unreachable for ${Math.round(limit / 1000)} s`, true);
      }
    } finally {
      this.probing = false;
    }
  }

  private selfStop(reason: string, failed: boolean): void {
    this.o.log(`dfs mount: ${reason}; stopping`);
    void this.stop().finally(() => this.o.onStop?.(reason, failed));
  }

  /** Flushes what open files hold (bounded in time), unmounts, and closes the client. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.watch) clearInterval(this.watch);
      const flushes = [...this.files.values()].map((h) =>
        h.flush().catch((err: unknown) => {
          this.o.log(`dfs mount: could not flush a file on the way out: ${toDfsError(err).message}`);
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(flushes),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, DEFAULTS.mountFlushOnExitMs);
        }),
      ]);
      clearTimeout(timer);
      if (this.fuse && (await findMount(this.mountpoint))) {
        // lazy: a process still holding a file open must not keep the mount (and us) alive
        await unmount(this.mountpoint, true).catch((err: unknown) => this.o.log(`dfs mount: ${toDfsError(err).message}`));
      }
      this.o.client.close();
    })();
    return this.stopping;
  }
}
