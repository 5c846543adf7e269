// Types for dfs's low-level FUSE addon (native/fuse-lowlevel.c, built by
// scripts/build-fuse-native.mjs), exactly as it exports them. Only src/fuse/lowlevel.ts
// calls it; everything else uses that wrapper. Every handler gets the request id and the
// caller's uid, gid and pid first, and the request stays open until one reply function is
// called with its id (a second reply, or one after the session ended, returns false).
// Numbers that travel in a Float64Array are laid out in src/fuse/lowlevel-layout.ts.
// Bump DFS_LOWLEVEL_ABI in the C file and LOWLEVEL_ABI in lowlevel-addon.ts on any change.

/** The session, an opaque handle owned by the addon. */
export interface NativeSession {
  readonly __brand: 'NativeSession';
}

type Head = [id: number, uid: number, gid: number, pid: number];

/** One function per operation the file system implements; the addon registers only those with libfuse. */
export interface NativeHandlers {
  lookup?(...a: [...Head, parent: number, name: string]): void;
  /** Pairs of (inode, lookups to drop); no reply. */
  forget?(pairs: Float64Array): void;
  /** fh is -1 when the kernel names no open file. */
  getattr?(...a: [...Head, ino: number, fh: number]): void;
  setattr?(
    ...a: [
      ...Head,
      ino: number,
      valid: number,
      fh: number,
      mode: number,
      uid: number,
      gid: number,
      size: number,
      atimeSec: number,
      atimeNsec: number,
      mtimeSec: number,
      mtimeNsec: number,
      ctimeSec: number,
      ctimeNsec: number,
    ]
  ): void;
  readlink?(...a: [...Head, ino: number]): void;
  mknod?(...a: [...Head, parent: number, name: string, mode: number, rdev: number, umask: number]): void;
  mkdir?(...a: [...Head, parent: number, name: string, mode: number, umask: number]): void;
  unlink?(...a: [...Head, parent: number, name: string]): void;
  rmdir?(...a: [...Head, parent: number, name: string]): void;
  symlink?(...a: [...Head, target: string, parent: number, name: string]): void;
  rename?(...a: [...Head, parent: number, name: string, newParent: number, newName: string, flags: number]): void;
  link?(...a: [...Head, ino: number, newParent: number, newName: string]): void;
  open?(...a: [...Head, ino: number, flags: number]): void;
  read?(...a: [...Head, ino: number, size: number, offset: number, fh: number]): void;
  /** `data` is a view of libfuse's buffer, detached (empty) once the request is answered. */
  write?(...a: [...Head, ino: number, data: Buffer, offset: number, fh: number, flags: number, lockOwner: bigint, writepage: boolean]): void;
  flush?(...a: [...Head, ino: number, fh: number, lockOwner: bigint]): void;
  release?(...a: [...Head, ino: number, fh: number, flags: number, flush: boolean, flockRelease: boolean, lockOwner: bigint]): void;
  fsync?(...a: [...Head, ino: number, datasync: boolean, fh: number]): void;
  opendir?(...a: [...Head, ino: number, flags: number]): void;
  readdir?(...a: [...Head, ino: number, fh: number, offset: number, size: number]): void;
  readdirplus?(...a: [...Head, ino: number, fh: number, offset: number, size: number]): void;
  releasedir?(...a: [...Head, ino: number, fh: number]): void;
  fsyncdir?(...a: [...Head, ino: number, datasync: boolean, fh: number]): void;
  statfs?(...a: [...Head, ino: number]): void;
  setxattr?(...a: [...Head, ino: number, name: string, value: Buffer, flags: number]): void;
  getxattr?(...a: [...Head, ino: number, name: string, size: number]): void;
  listxattr?(...a: [...Head, ino: number, size: number]): void;
  removexattr?(...a: [...Head, ino: number, name: string]): void;
  access?(...a: [...Head, ino: number, mask: number]): void;
  create?(...a: [...Head, parent: number, name: string, mode: number, flags: number, umask: number]): void;
  getlk?(...a: [...Head, ino: number, fh: number, owner: bigint, type: number, whence: number, start: number, len: number, lockPid: number]): void;
  setlk?(...a: [...Head, ino: number, fh: number, owner: bigint, type: number, whence: number, start: number, len: number, lockPid: number, sleep: boolean]): void;
  flock?(...a: [...Head, ino: number, fh: number, owner: bigint, op: number]): void;
  fallocate?(...a: [...Head, ino: number, mode: number, offset: number, length: number, fh: number]): void;
  copyFileRange?(...a: [...Head, inoIn: number, offIn: number, fhIn: number, inoOut: number, offOut: number, fhOut: number, len: number, flags: number]): void;
  lseek?(...a: [...Head, ino: number, offset: number, whence: number, fh: number]): void;
}

/** What libfuse and the kernel agreed at INIT. */
export interface NativeConnection {
  protoMajor: number;
  protoMinor: number;
  /** FUSE_CAP_* bits the kernel offers, and those in use. */
  capable: number;
  want: number;
  maxWrite: number;
  maxRead: number;
  maxReadahead: number;
  maxBackground: number;
  congestionThreshold: number;
  timeGran: number;
}

export interface NativeCallbacks {
  /** The kernel's INIT was answered: the mount is ready. */
  init(conn: NativeConnection): void;
  /** The kernel interrupts an unanswered request (its caller got a signal). */
  interrupt(id: number): void;
  /** The session ended: 0 unmounted by unmount(), ENODEV by someone else, else an errno. */
  end(errno: number): void;
}

export interface NativeConfig {
  maxWrite?: number;
  maxReadahead?: number;
  maxBackground?: number;
  congestionThreshold?: number;
  /** FUSE_CAP_* bits to ask for (when offered) and to drop, applied after libfuse's defaults. */
  wantSet?: number;
  wantClear?: number;
  spinMicros?: number;
}

export interface NativeStats {
  requests: number;
  /** Times libuv woke the loop for the FUSE descriptor (each one a sleep ended). */
  wakeups: number;
  /** Spins that found a request, spins that did not, and the time spent in them. */
  spinHits: number;
  spinMisses: number;
  spinMicros: number;
  /** Whether spinning is on now (it goes off after fruitless spins, back on when requests come close together). */
  spinning: boolean;
  inFlight: number;
}

export interface LowLevelAddon {
  readonly abi: number;
  readonly libfuseVersion: string;
  /** args: libfuse's arguments after the program name, e.g. ['-o', 'fsname=dfs']. Throws (code EIO) with libfuse's reason. */
  mount(mountpoint: string, args: string[], handlers: NativeHandlers, callbacks: NativeCallbacks, config: NativeConfig): NativeSession;
  unmount(session: NativeSession): void;
  /** kind: 0 inval_inode(a, off, len), 1 inval_entry(a, name), 2 delete(a, b, name). True when the kernel held something to invalidate. */
  notify(session: NativeSession, kind: number, a: number, b: number, off: number, len: number, name: string | undefined): Promise<boolean>;
  stats(session: NativeSession): NativeStats;
  /** The caller's supplementary groups (from /proc); only while the request is unanswered. */
  groups(id: number): number[];

  replyErr(id: number, errno: number): boolean;
  replyEntry(id: number, entry: Float64Array): boolean;
  replyCreate(id: number, entry: Float64Array, fh: number, openBits: number): boolean;
  replyAttr(id: number, attr: Float64Array): boolean;
  replyReadlink(id: number, target: string): boolean;
  replyOpen(id: number, fh: number, openBits: number): boolean;
  replyWrite(id: number, count: number): boolean;
  replyData(id: number, data: Uint8Array | readonly Uint8Array[]): boolean;
  replyXattrSize(id: number, size: number): boolean;
  replyStatfs(id: number, statfs: Float64Array): boolean;
  replyLock(id: number, lock: Float64Array): boolean;
  replyLseek(id: number, offset: number): boolean;
  /** Returns how many entries fitted (false when the request was answered already). */
  replyDir(id: number, plus: boolean, count: number, names: readonly string[], numbers: Float64Array): number | false;
}
