// The low-level FUSE binding: mounts a file system written against LowLevelOps
// (src/fuse/lowlevel-ops.ts) through dfs's addon on libfuse 3, on Node's own event loop.
// Each kernel request is one call into an operation; its answer (a value, or a promise of
// one) goes back to the kernel as soon as it is there, from the main thread, and a slow
// operation holds no thread. Notifications that invalidate the kernel's caches are written
// by a thread of the addon's own, so that they cannot deadlock against a request in flight.
// This file is the session (mount, notifications, unmount); lowlevel-dispatch.ts answers
// the requests. Design, options and measurements: native-notes/lowlevel.md.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import type { Log } from './errno.js';
import { lowLevelAddon } from './lowlevel-addon.js';
import { RequestDispatch } from './lowlevel-dispatch.js';
import { CAP, NOTIFY } from './lowlevel-layout.js';
import type { LowLevelAddon, NativeConnection, NativeSession, NativeStats } from './lowlevel-native.js';
import type { LowLevelOps } from './lowlevel-ops.js';

export interface LowLevelMountOptions {
  /**
   * Mount options handed to libfuse as they are (`-o`): fsname=NAME, subtype=NAME,
   * allow_other, default_permissions, auto_unmount, max_read=N, debug, ... Commas inside
   * one are escaped, so each string is one option.
   */
  options?: readonly string[];
  /** The largest write (and O_DIRECT read) in one request, bytes (default DEFAULTS.fuseMaxWrite, 1 MiB). */
  maxWrite?: number;
  /** Lower the kernel's read-ahead window, bytes (libfuse can only lower it). */
  maxReadahead?: number;
  /** Background requests (read-ahead, async direct I/O) the kernel keeps in flight; the kernel's default is 12. */
  maxBackground?: number;
  congestionThreshold?: number;
  /** Poll for the next request this long after FUSE traffic before sleeping, µs (default DEFAULTS.fuseSpinMicros; 0 never). */
  spinMicros?: number;
  /** Let the kernel cache symlink targets (default true; notifyInvalInode drops them). */
  cacheSymlinks?: boolean;
  /** The file system, not the kernel, drops set-user-ID and set-group-ID bits on write, truncate and chown (default false). */
  handleKillpriv?: boolean;
  /** The kernel drops a file's cached pages only when told (notifyInvalInode), not when its mtime or size changes (default false). */
  explicitInvalData?: boolean;
  /** Where failures nobody named (answered EIO) are reported; default stderr. */
  log?: Log;
}

/** What the kernel and libfuse agreed at mount. */
export type ConnectionInfo = NativeConnection;

export type SessionStats = NativeStats;

export interface SessionEnd {
  /** 'unmount': unmount() was called; 'kernel': the mount went away (unmounted elsewhere, or the connection aborted); 'error': the descriptor failed. */
  by: 'unmount' | 'kernel' | 'error';
  errno: number;
}

const ENODEV = 19;

/** libfuse splits -o values at commas and reads a backslash as an escape. */
function escapeOption(o: string): string {
  return o.replace(/[\\,]/g, (c) => `\\${c}`);
}

/** An inode number, handle or offset the kernel can take: a whole number below 2^53. */
function checkNumber(what: string, n: number, min = 0): void {
  if (!Number.isSafeInteger(n) || n < min) throw new DfsError('EINVAL', `${what} must be a whole number ≥ ${min}, not ${n}`);
}

export class LowLevelSession {
  /** Resolves when the session has ended, however it ended. */
  readonly ended: Promise<SessionEnd>;
  private resolveEnded!: (e: SessionEnd) => void;
  private native?: NativeSession;
  private conn?: ConnectionInfo;
  private finalStats?: SessionStats;
  private readonly log: Log;
  /** Answers the kernel's requests with the file system's operations. */
  private readonly dispatch: RequestDispatch;

  private constructor(
    readonly mountpoint: string,
    ops: LowLevelOps,
    private readonly opts: LowLevelMountOptions,
    private readonly addon: LowLevelAddon,
  ) {
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.dispatch = new RequestDispatch(addon, ops, this.log);
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Mounts `ops` at `mountpoint` (an existing directory) and resolves once the kernel's INIT is answered. */
  static async mount(mountpoint: string, ops: LowLevelOps, opts: LowLevelMountOptions = {}): Promise<LowLevelSession> {
    const addon = lowLevelAddon();
    const abs = path.resolve(mountpoint);
    const st = await fs.promises.stat(abs).catch((err: unknown) => {
      throw toDfsError(err);
    });
    if (!st.isDirectory()) throw new DfsError('ENOTDIR', `mount point is not a directory: ${abs}`);
    const session = new LowLevelSession(abs, ops, opts, addon);
    await session.start();
    return session;
  }

  /** The connection as negotiated at INIT. */
  get connection(): ConnectionInfo {
    if (!this.conn) throw new DfsError('ENOTCONN', 'not mounted yet');
    return this.conn;
  }

  /** Counters of the event loop and the spin (the last ones once the session ended). */
  stats(): SessionStats {
    if (this.finalStats) return this.finalStats;
    if (!this.native) throw new DfsError('ENOTCONN', 'not mounted');
    return this.addon.stats(this.native);
  }

  /**
   * Drops what the kernel caches of inode `ino`: its attributes, and its pages from `offset`
   * for `length` bytes (0: to the end; offset -1: attributes only). Resolves true when the
   * kernel knew the inode, false when it held nothing of it.
   */
  notifyInvalInode(ino: number, offset = 0, length = 0): Promise<boolean> {
    checkNumber('ino', ino, 1);
    checkNumber('offset', offset, -1);
    checkNumber('length', length);
    return this.notify(NOTIFY.invalInode, ino, 0, offset, length, undefined);
  }

  /** Drops the kernel's entry for `name` in directory `parent` (and the parent's attributes). */
  notifyInvalEntry(parent: number, name: string): Promise<boolean> {
    checkNumber('parent', parent, 1);
    return this.notify(NOTIFY.invalEntry, parent, 0, 0, 0, name);
  }

  /** As notifyInvalEntry, and when the entry pointed at `child`, the kernel also takes that inode as deleted (as after unlink). */
  notifyDelete(parent: number, child: number, name: string): Promise<boolean> {
    checkNumber('parent', parent, 1);
    checkNumber('child', child, 1);
    return this.notify(NOTIFY.delete, parent, child, 0, 0, name);
  }

  /**
   * Unmounts: requests still unanswered get EIO (their later answers are dropped), then the
   * kernel mount goes (lazily, so open files do not keep it). Resolves when it is gone.
   */
  async unmount(): Promise<void> {
    if (this.native && !this.finalStats) this.addon.unmount(this.native);
    await this.ended;
  }

  private notify(kind: number, a: number, b: number, off: number, len: number, name: string | undefined): Promise<boolean> {
    if (name !== undefined && (name.length === 0 || name.includes('/') || name.includes('\0'))) {
      return Promise.reject(new DfsError('EINVAL', `not an entry name: ${JSON.stringify(name)}`));
    }
    if (!this.native || this.finalStats) return Promise.reject(new DfsError('ENOTCONN', 'the session has ended'));
    return this.addon.notify(this.native, kind, a, b, off, len, name).catch((err: unknown) => {
      throw toDfsError(err);
    });
  }

  private async start(): Promise<void> {
    const o = this.opts;
    const args = o.options?.length ? ['-o', o.options.map(escapeOption).join(',')] : [];
    let wantSet = CAP.parallelDirops | CAP.asyncRead | CAP.atomicOTrunc | CAP.autoInvalData;
    let wantClear = CAP.ioctlDir | CAP.writebackCache | CAP.spliceRead | CAP.spliceWrite | CAP.spliceMove;
    if (o.cacheSymlinks !== false) wantSet |= CAP.cacheSymlinks;
    if (o.handleKillpriv) wantSet |= CAP.handleKillpriv;
    else wantClear |= CAP.handleKillpriv;
    if (o.explicitInvalData) {
      wantSet = (wantSet & ~CAP.autoInvalData) | CAP.explicitInvalData;
      wantClear |= CAP.autoInvalData;
    }
    let initDone!: (c: ConnectionInfo) => void;
    let initFailed!: (e: DfsError) => void;
    const init = new Promise<ConnectionInfo>((resolve, reject) => {
      initDone = resolve;
      initFailed = reject;
    });
    try {
      this.native = this.addon.mount(
        this.mountpoint,
        args,
        this.dispatch.handlers(),
        {
          init: (conn) => initDone(conn),
          interrupt: (id) => this.dispatch.interrupt(id, new DfsError('EINTR', 'interrupted by the kernel')),
          end: (errno) => {
            this.ending(errno);
            initFailed(new DfsError('EIO', `the kernel ended the session before it was ready (errno ${errno})`));
          },
        },
        {
          maxWrite: o.maxWrite ?? DEFAULTS.fuseMaxWrite,
          maxReadahead: o.maxReadahead,
          maxBackground: o.maxBackground,
          congestionThreshold: o.congestionThreshold,
          spinMicros: o.spinMicros ?? DEFAULTS.fuseSpinMicros,
          wantSet,
          wantClear,
        },
      );
    } catch (err) {
      throw new DfsError('EIO', (err as Error).message, { cause: err });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      this.conn = await Promise.race([
        init,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DfsError('ETIMEDOUT', `no INIT from the kernel within ${DEFAULTS.fuseInitTimeoutMs} ms`)), DEFAULTS.fuseInitTimeoutMs);
        }),
      ]);
    } catch (err) {
      await this.unmount();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private ending(errno: number): void {
    if (this.native) this.finalStats = this.addon.stats(this.native);
    const gone = new DfsError('ENOTCONN', 'the FUSE session ended');
    this.dispatch.abortAll(gone);
    this.resolveEnded({ by: errno === 0 ? 'unmount' : errno === ENODEV ? 'kernel' : 'error', errno });
  }
}
