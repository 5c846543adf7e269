// The inode-based FUSE interface a file system implements on the low-level binding
// (src/fuse/lowlevel.ts): libfuse 3's low-level operations, by inode number, each getting
// the request (caller's identity, interruption) and returning its answer or a promise of it.
// A thrown DfsError (or any error with a POSIX `code`) answers with that errno; anything
// else answers EIO and is logged (src/fuse/errno.ts). An operation left out answers ENOSYS,
// which for some the kernel remembers (see native-notes/lowlevel.md).
//
// Inode numbers are the file system's own (1 is the root); every entry answered by lookup,
// mknod, mkdir, symlink, link, create and readdirplus (except "." and "..") adds one to
// the kernel's lookup count of that inode, and forget takes them back. Timeouts are
// seconds the kernel may keep an answer without asking again.

/** One readdir entry. */
export interface DirEntry {
  name: string;
  ino: number;
  /** The file type bits of st_mode (S_IFDIR, S_IFREG, ...); permission bits are ignored. */
  mode: number;
  /** The offset at which a listing continues after this entry: any number the file system understands, not 0. */
  next: number;
}

/** One readdirplus entry: the name and what a lookup of it would answer. */
export interface DirPlusEntry {
  name: string;
  entry: Entry;
  next: number;
}

/** Where readdir and readdirplus put entries (lowlevel-dir.ts sizes them as the kernel's records). */
export interface DirOut<E> {
  /** Adds the entry when it fits; false means full: stop, the kernel continues from the last added entry. */
  add(e: E): boolean;
  /** Entries added so far. */
  readonly count: number;
}

/** A time as seconds since the epoch (negative before 1970) and nanoseconds, 0 ≤ nsec < 10^9. */
export interface Timespec {
  sec: number;
  nsec: number;
}

export interface InodeAttr {
  ino: number;
  /** File type and permission bits, as st_mode. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev?: number;
  size: number;
  /** 512-byte units; by default the size rounded up. */
  blocks?: number;
  /** The preferred I/O size; 0 lets the kernel choose. */
  blksize?: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

/** A name resolved to an inode. */
export interface Entry {
  ino: number;
  /** Distinguishes an inode number reused after the old inode was forgotten (NFS export). */
  generation?: number;
  attr: InodeAttr;
  attrTimeout: number;
  entryTimeout: number;
}

/** A name that does not exist, cached as such for entryTimeout seconds (0: not cached, same as ENOENT). */
export interface NegativeEntry {
  ino: 0;
  entryTimeout: number;
}

export interface AttrReply {
  attr: InodeAttr;
  timeout: number;
}

/** What open, opendir and create answer besides the entry. */
export interface OpenReply {
  /** The file system's handle for this open file, passed back with every operation on it. */
  fh: number;
  /** Bypass the page cache: every read and write reaches the file system with the caller's size. */
  directIo?: boolean;
  /** Keep the page cache from earlier opens (the file has not changed since). */
  keepCache?: boolean;
  nonseekable?: boolean;
  /** opendir: the kernel may cache the listing. */
  cacheReaddir?: boolean;
  /** No flush at close(2) of this file. */
  noflush?: boolean;
}

export type CreateReply = Entry & OpenReply;

/** What setattr changes: only the fields present. */
export interface AttrChanges {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  /** 'now': the file system's own clock (UTIME_NOW); absent: leave it (UTIME_OMIT). */
  atime?: Timespec | 'now';
  mtime?: Timespec | 'now';
  ctime?: Timespec;
  /** The kernel asks to drop set-user-ID / set-group-ID (a write or chown by someone else). */
  killSuid?: boolean;
  killSgid?: boolean;
}

export interface StatfsReply {
  bsize: number;
  frsize?: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail?: number;
  fsid?: number;
  flag?: number;
  namemax?: number;
}

/** A POSIX record lock, as fcntl(2) has it; `len` 0 reaches to the end of the file. */
export interface FileLock {
  /** F_RDLCK 0, F_WRLCK 1, F_UNLCK 2. */
  type: number;
  start: number;
  len: number;
  pid: number;
}

export interface WriteInfo {
  /** The open flags. */
  flags: number;
  lockOwner: bigint;
  /** A delayed write from the page cache (writeback cache only): the request's caller is not the writer. */
  writepage: boolean;
}

export interface ReleaseInfo {
  flags: number;
  /** The kernel asks for a flush along with the release. */
  flush: boolean;
  /** Drop the flock(2) lock of lockOwner too. */
  flockRelease: boolean;
  lockOwner: bigint;
}

/** Who asks, and whether they still wait. Valid until the operation answers. */
export interface Request {
  /** The caller's fsuid, fsgid and thread id, as the kernel sends them. */
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  /**
   * The caller's supplementary groups, read from /proc/PID/task/PID/status on first use
   * (so only requests that need them pay). Throws EINVAL after the answer, and EIO when the
   * caller is gone or in another PID namespace.
   */
  groups(): readonly number[];
  /** True once the kernel interrupted the request: its caller got a signal and waits for an answer, EINTR if it gives up. */
  readonly interrupted: boolean;
  /** Aborted when the kernel interrupts the request or the session ends. */
  readonly signal: AbortSignal;
}

export type Answer<T> = T | Promise<T>;

export interface LowLevelOps {
  lookup?(req: Request, parent: number, name: string): Answer<Entry | NegativeEntry>;
  /** The kernel drops `nlookup` of its lookups of `ino`; at zero the inode may be forgotten. No answer. */
  forget?(ino: number, nlookup: number): void;
  /** fh: the open file the caller named (fstat), if any. */
  getattr?(req: Request, ino: number, fh: number | undefined): Answer<AttrReply>;
  setattr?(req: Request, ino: number, changes: AttrChanges, fh: number | undefined): Answer<AttrReply>;
  readlink?(req: Request, ino: number): Answer<string>;
  mknod?(req: Request, parent: number, name: string, mode: number, rdev: number, umask: number): Answer<Entry>;
  /** mode carries S_IFDIR; umask is the caller's, already applied by the kernel unless DONT_MASK. */
  mkdir?(req: Request, parent: number, name: string, mode: number, umask: number): Answer<Entry>;
  unlink?(req: Request, parent: number, name: string): Answer<void>;
  rmdir?(req: Request, parent: number, name: string): Answer<void>;
  symlink?(req: Request, target: string, parent: number, name: string): Answer<Entry>;
  /** flags: RENAME_NOREPLACE 1, RENAME_EXCHANGE 2 (renameat2). */
  rename?(req: Request, parent: number, name: string, newParent: number, newName: string, flags: number): Answer<void>;
  link?(req: Request, ino: number, newParent: number, newName: string): Answer<Entry>;
  open?(req: Request, ino: number, flags: number): Answer<OpenReply>;
  /** At most `size` bytes from `offset`; fewer means end of file (unless directIo). Several buffers are sent as one reply. */
  read?(req: Request, ino: number, size: number, offset: number, fh: number): Answer<Uint8Array | readonly Uint8Array[]>;
  /** `data` is libfuse's buffer, valid until the answer: copy what you keep. Answers the bytes written. */
  write?(req: Request, ino: number, data: Buffer, offset: number, fh: number, info: WriteInfo): Answer<number>;
  /** At each close(2) of a descriptor (several per open file when it was dup'ed). */
  flush?(req: Request, ino: number, fh: number, lockOwner: bigint): Answer<void>;
  /** The last close of the open file. */
  release?(req: Request, ino: number, fh: number, info: ReleaseInfo): Answer<void>;
  fsync?(req: Request, ino: number, datasync: boolean, fh: number): Answer<void>;
  opendir?(req: Request, ino: number, flags: number): Answer<OpenReply>;
  /** Entries from `offset` (0, or an entry's `next`) into `out`, until it is full or the directory ends. */
  readdir?(req: Request, ino: number, fh: number, offset: number, out: DirOut<DirEntry>): Answer<void>;
  /** readdir with each entry's attributes (`ls -l` in one request); each entry counts as a lookup. */
  readdirplus?(req: Request, ino: number, fh: number, offset: number, out: DirOut<DirPlusEntry>): Answer<void>;
  releasedir?(req: Request, ino: number, fh: number): Answer<void>;
  fsyncdir?(req: Request, ino: number, datasync: boolean, fh: number): Answer<void>;
  statfs?(req: Request, ino: number): Answer<StatfsReply>;
  /** flags: XATTR_CREATE 1, XATTR_REPLACE 2. */
  setxattr?(req: Request, ino: number, name: string, value: Buffer, flags: number): Answer<void>;
  /** The whole value; the binding answers size probes and ERANGE itself. ENODATA when there is none. */
  getxattr?(req: Request, ino: number, name: string): Answer<Uint8Array>;
  listxattr?(req: Request, ino: number): Answer<readonly string[]>;
  removexattr?(req: Request, ino: number, name: string): Answer<void>;
  /** mask: R_OK 4, W_OK 2, X_OK 1, F_OK 0. */
  access?(req: Request, ino: number, mask: number): Answer<void>;
  /** flags: the open flags (O_CREAT, O_EXCL, ...). */
  create?(req: Request, parent: number, name: string, mode: number, flags: number, umask: number): Answer<CreateReply>;
  /** The lock that would block `lock`, or one of type F_UNLCK when none would. */
  getlk?(req: Request, ino: number, fh: number, lockOwner: bigint, lock: FileLock): Answer<FileLock>;
  /** Take or drop a record lock; with `wait` (F_SETLKW) answer only when it is held, or EINTR when interrupted. */
  setlk?(req: Request, ino: number, fh: number, lockOwner: bigint, lock: FileLock, wait: boolean): Answer<void>;
  /** flock(2): op is LOCK_SH 1, LOCK_EX 2 or LOCK_UN 8, with LOCK_NB 4 when not waiting. */
  flock?(req: Request, ino: number, fh: number, lockOwner: bigint, op: number): Answer<void>;
  fallocate?(req: Request, ino: number, mode: number, offset: number, length: number, fh: number): Answer<void>;
  /** Answers the bytes copied. */
  copyFileRange?(req: Request, inoIn: number, offIn: number, fhIn: number, inoOut: number, offOut: number, fhOut: number, len: number, flags: number): Answer<number>;
  /** SEEK_DATA 3 or SEEK_HOLE 4 (the kernel answers the others itself); answers the offset, ENXIO past the end. */
  lseek?(req: Request, ino: number, offset: number, whence: number, fh: number): Answer<number>;
}
