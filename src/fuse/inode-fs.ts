// The dfs mount's file system on the low-level binding, by inode: LowLevelOps over a
// MountBackend. Node ids are dfs inode numbers (hard links are one kernel inode), each with
// its ticket and the kernel's lookup count; an unlinked or renamed open file lives on in the
// backend (its holds), not as a hidden file; the kernel caches entries, attributes, absent
// names and pages for long while the backend's channel to the master is up, and takes them
// back on each invalidation the master pushes, or all at once when the channel breaks.
// Design: native-notes/mount-by-inode.md. The operations live in inode-*-ops.ts.
import type { IdMap } from '../client/id-map.js';
import { DEFAULTS } from '../defaults.js';
import type { EntryInfo, MountBackend } from '../client/mount-api.js';
import type { DirHandle } from './dir-handle.js';
import type { Log } from './errno.js';
import { HandleTable } from './handles.js';
import { attrOps } from './inode-attr-ops.js';
import type { InodeContext } from './inode-context.js';
import { dirOps } from './inode-dir-ops.js';
import { fileOps } from './inode-file-ops.js';
import { nameOps } from './inode-name-ops.js';
import { AbsentCapabilities, xattrOps } from './inode-xattr-ops.js';
import { HeldLocks } from './held-locks.js';
import { lockOps } from './inode-lock-ops.js';
import { KernelCache, type CacheLimits, type CacheStats, type KernelNotifier } from './kernel-cache.js';
import { KernelNames } from './kernel-names.js';
import type { LowLevelOps } from './lowlevel-ops.js';
import { NodeTable } from './node-table.js';
import { OpenFiles } from './open-files.js';
import { rangeOps } from './inode-range-ops.js';

export interface InodeFsOptions {
  backend: MountBackend;
  /** The root and its ticket (MountBackend.root()), asked for before mounting. */
  root: EntryInfo;
  ids: IdMap;
  log: Log;
  /** Cache times (default DEFAULTS.mountLeasedCacheSeconds and mountUnleasedCacheSeconds). */
  cache?: Partial<CacheLimits>;
}

export interface InodeFsStats {
  /** Nodes the kernel holds, and the lookups it holds of each of a few. */
  nodes: number;
  names: { resolved: number; absent: number };
  openFiles: number;
  openDirs: number;
  cache: CacheStats;
}

export class InodeFs {
  readonly ops: LowLevelOps;
  private readonly ctx: InodeContext;

  constructor(o: InodeFsOptions) {
    const nodes = new NodeTable(o.root);
    const names = new KernelNames(DEFAULTS.mountNegativeEntries);
    const cache = new KernelCache(
      nodes,
      names,
      {
        leased: o.cache?.leased ?? DEFAULTS.mountLeasedCacheSeconds,
        unleased: o.cache?.unleased ?? DEFAULTS.mountUnleasedCacheSeconds,
        recentChanges: o.cache?.recentChanges ?? DEFAULTS.mountRecentChanges,
      },
      o.log,
    );
    this.ctx = {
      backend: o.backend,
      nodes,
      names,
      cache,
      files: new OpenFiles(),
      dirs: new HandleTable<DirHandle>(),
      ids: o.ids,
      log: o.log,
      locks: new HeldLocks(),
    };
    const absentCaps = new AbsentCapabilities();
    this.ops = {
      ...nameOps(this.ctx),
      ...attrOps(this.ctx),
      ...fileOps(this.ctx),
      ...dirOps(this.ctx),
      ...xattrOps(this.ctx, absentCaps),
      ...lockOps(this.ctx),
      ...rangeOps(this.ctx),
    };
    o.backend.onInvalidate((change) => {
      if (change.kind === 'inode') absentCaps.forget(change.ino);
      return cache.changed(change);
    });
    o.backend.onChannel((up) => cache.channel(up));
  }

  /** Invalidations go to the kernel through `session` from now on. */
  attach(session: KernelNotifier): void {
    this.ctx.cache.attach(session);
  }

  /** The kernel's lookups of `ino`, or undefined when it does not hold it. */
  lookupsOf(ino: number): number | undefined {
    return this.ctx.nodes.lookupsOf(ino);
  }

  stats(): InodeFsStats {
    const [resolved, absent] = this.ctx.names.counts;
    return {
      nodes: this.ctx.nodes.size,
      names: { resolved, absent },
      openFiles: this.ctx.files.size,
      openDirs: this.ctx.dirs.size,
      cache: this.ctx.cache.stats(),
    };
  }

  /** Publishes what every open file holds (on the way out); resolves when all have tried. */
  async flushAll(log: Log): Promise<void> {
    await Promise.all(
      [...this.ctx.files.values()].map((e) =>
        e.file.flush().catch((err: unknown) => {
          log(`dfs mount: could not flush a file on the way out: ${(err as Error).message}`);
        }),
      ),
    );
  }
}
