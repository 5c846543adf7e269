// The mount daemon on the low-level binding: the by-inode file system (inode-fs.ts) over a
// MountBackend, mounted with LowLevelSession. It keeps what the high-level daemon
// (mount.ts) does around the mount: the mount point made ready (created, a dead mount
// cleared, refused when not empty), read-ahead raised, a watch that stops it when someone
// unmounted it or when the master has been unreachable for too long, and open files
// flushed on the way out. It must run in a process of its own: a process that serves a
// mount and also touches files in it deadlocks on itself.
import path from 'node:path';
import type { IdMap } from '../client/id-map.js';
import { DEFAULTS } from '../defaults.js';
import { toDfsError } from '../rpc/errors.js';
import type { MountBackend } from '../client/mount-api.js';
import type { Log } from './errno.js';
import { InodeFs } from './inode-fs.js';
import type { CacheLimits } from './kernel-cache.js';
import { LowLevelSession, type LowLevelMountOptions } from './lowlevel.js';
import { prepareMountpoint, raiseReadahead, stillMounted } from './mounts.js';
import { tracedOps } from './traced-ops.js';
import { actingOps } from './acting-ops.js';
import type { Request } from './lowlevel-ops.js';
import type { Identity } from '../client/acting-as.js';

export interface InodeMountOptions {
  mountpoint: string;
  backend: MountBackend;
  /** Where the backend's master is, for messages. */
  masterUrl: string;
  log: Log;
  /** How owners are shown, and chown's local ids turned back. */
  ids: IdMap;
  /** Let other local users in (they act as the mount's dfs user); needs user_allow_other for non-root. */
  allowOther?: boolean;
  /** Every local user acts as themselves (acting-ops.ts): the dfs identity of each request's caller. Implies allowOther. */
  multiUser?: (req: Request) => Identity;
  /** libfuse's request trace on stderr. */
  debug?: boolean;
  /** Every operation and its duration on the log. */
  trace?: boolean;
  /** The channel to the master down this long counts as the master gone for good (default DEFAULTS.mountMasterGoneMs). */
  masterGoneMs?: number;
  /** Kernel cache times (native-notes/mount-by-inode.md). */
  cache?: Partial<CacheLimits>;
  /** The low-level session's own tuning (the spin; tests). */
  session?: Pick<LowLevelMountOptions, 'spinMicros'>;
  /** Called once when the daemon stops by itself (mount gone, master gone). */
  onStop?: (reason: string, failed: boolean) => void;
}

/** The -o options handed to libfuse (each explained in native-notes/mount-by-inode.md). */
function inodeMountOptions(o: { allowOther?: boolean; multiUser?: unknown; debug?: boolean }): string[] {
  const list = ['fsname=dfs', 'subtype=dfs'];
  // many users: the kernel checks each caller against the modes it has cached, as a local
  // file system does, before the master checks again
  if (o.multiUser) list.push('allow_other', 'default_permissions');
  else if (o.allowOther) list.push('allow_other');
  if (o.debug) list.push('debug');
  return list;
}

export class InodeMountDaemon {
  readonly mountpoint: string;
  private fs?: InodeFs;
  private session?: LowLevelSession;
  private watch?: NodeJS.Timeout;
  private channelDownSince?: number;
  private stopping?: Promise<void>;

  constructor(private readonly o: InodeMountOptions) {
    this.mountpoint = path.resolve(o.mountpoint);
  }

  /** The file system served (for its counters), once started. */
  get fileSystem(): InodeFs | undefined {
    return this.fs;
  }

  async start(): Promise<void> {
    const { backend, log } = this.o;
    await prepareMountpoint(this.mountpoint, log);
    const root = await backend.root();
    const fs = new InodeFs({ backend, root, ids: this.o.ids, log, cache: this.o.cache });
    backend.onChannel((up) => {
      if (up) this.channelDownSince = undefined;
      else this.channelDownSince ??= Date.now();
    });
    const acting = this.o.multiUser ? actingOps(fs.ops, this.o.multiUser) : fs.ops;
    const ops = this.o.trace ? tracedOps(acting, log) : acting;
    const session = await LowLevelSession.mount(this.mountpoint, ops, { options: inodeMountOptions(this.o), log, ...this.o.session });
    fs.attach(session);
    this.fs = fs;
    this.session = session;
    // unmounted by someone else (umount, fusermount -u, dfs umount), or the connection aborted
    void session.ended.then((e) => this.selfStop(e.by === 'error' ? `the FUSE session failed (errno ${e.errno})` : 'the mount was unmounted', e.by === 'error'));
    await raiseReadahead(this.mountpoint, log);
    this.watch = setInterval(() => void this.check(), DEFAULTS.mountWatchMs);
  }

  /** Stops by itself when the mount is gone from the mount table (a lazy unmount), or the master is gone for good. */
  private async check(): Promise<void> {
    if (this.stopping) return;
    if (!(await stillMounted(this.mountpoint))) {
      this.selfStop('the mount was unmounted', false);
      return;
    }
    const limit = this.o.masterGoneMs ?? DEFAULTS.mountMasterGoneMs;
    if (this.channelDownSince !== undefined && Date.now() - this.channelDownSince >= limit) {
      this.selfStop(`the master at ${this.o.masterUrl} has been unreachable for ${Math.round(limit / 1000)} s`, true);
    }
  }

  private selfStop(reason: string, failed: boolean): void {
    if (this.stopping) return;
    this.o.log(`dfs mount: ${reason}; stopping`);
    void this.stop().finally(() => this.o.onStop?.(reason, failed));
  }

  /** Flushes what open files hold (bounded in time), unmounts (lazily), and lets go of the backend. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.watch) clearInterval(this.watch);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.fs?.flushAll(this.o.log),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, DEFAULTS.mountFlushOnExitMs);
        }),
      ]);
      clearTimeout(timer);
      await this.session?.unmount().catch((err: unknown) => this.o.log(`dfs mount: ${toDfsError(err).message}`));
      this.o.backend.close();
    })();
    return this.stopping;
  }
}
