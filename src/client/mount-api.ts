// What the mount needs from the layer below it, by inode: the whole contract between the
// FUSE layer (src/fuse/) and the client library (src/client/), so that the FUSE layer can be
// tested on another implementation and the client library changed behind it (as JuiceFS's
// VFS holds its metadata engine through an interface). Every failure is a DfsError with a
// POSIX errno. Design: native-notes/mount-by-inode.md.
import type { OpenFlags } from './types.js';
import type { Attr, FileTime, FileType, StatFs } from '../protocol/types.js';

/** An inode and the master's proof that this session reached it by directories it may search. */
export interface NodeRef {
  ino: number;
  ticket: string;
}

/** A name resolved: the inode's attributes and its ticket. */
export interface EntryInfo {
  attr: Attr;
  ticket: string;
}

export interface DirPage {
  /** The directory's own parent (for ".."); the root is its own. */
  parent: number;
  entries: { name: string; attr: Attr; ticket: string }[];
  /** More entries follow: pass it back for the next page. */
  cursor?: string;
}

/** What a setattr changes; absent fields stay as they are. The size goes through an open file (MountFile.truncate). */
export interface AttrUpdate {
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: FileTime;
  mtime?: FileTime;
}

/** One open file description. Writes are buffered; flush and fsync make them durable and visible. */
export interface MountFile {
  readonly ino: number;
  readonly flags: OpenFlags;
  /** Reads into `dst` (the kernel's buffer) and answers the bytes read: fewer only at end of file. */
  readInto(pos: number, dst: Buffer): Promise<number>;
  /** `data` is the kernel's buffer, valid until this resolves. Answers the bytes written. */
  write(pos: number, data: Buffer): Promise<number>;
  truncate(size: number): Promise<void>;
  /**
   * Bytes [pos, pos + length) read as zeros from now on, at those offsets whatever the open
   * flags (O_APPEND too: fallocate's punch and zero range); EBADF unless open for writing. A
   * range past the size grows it as a write would: the caller keeps to the size.
   */
  zero(pos: number, length: number): Promise<void>;
  /** The largest size the file can have: writing or truncating past it is EFBIG (a local file system's s_maxbytes). */
  readonly maxSize: number;
  flush(): Promise<void>;
  fsync(): Promise<void>;
  /** The last close: flushes, then lets go of the file. */
  close(): Promise<void>;
  /** Attributes with what this client has written and not yet published (the size). */
  getattr(): Attr;
}

/** A record lock: F_RDLCK 0, F_WRLCK 1, F_UNLCK 2; `end` inclusive (Infinity: to the end of the file). */
export interface BackendLock {
  type: number;
  start: number;
  end: number;
  pid: number;
}

/** A change made by another client that this one may have cached, pushed by the master. */
export type Invalidation = { kind: 'inode'; ino: number } | { kind: 'entry'; parent: number; name: string };

export interface MountBackend {
  /** The root directory (ino 1) and its ticket. */
  root(): Promise<EntryInfo>;
  lookup(parent: NodeRef, name: string): Promise<EntryInfo>;
  getattr(node: NodeRef): Promise<Attr>;
  setattr(node: NodeRef, update: AttrUpdate): Promise<Attr>;
  /** One page of a directory's entries, from `cursor` (the start when absent). */
  readdir(dir: NodeRef, cursor?: string): Promise<DirPage>;
  mkdir(parent: NodeRef, name: string, mode: number): Promise<EntryInfo>;
  symlink(parent: NodeRef, name: string, target: string): Promise<EntryInfo>;
  /** A FIFO, socket, regular file or device (rdev), as mknod(2). */
  mknod(parent: NodeRef, name: string, type: FileType, mode: number, rdev: number): Promise<EntryInfo>;
  readlink(node: NodeRef): Promise<string>;
  unlink(parent: NodeRef, name: string): Promise<void>;
  rmdir(parent: NodeRef, name: string): Promise<void>;
  /** flags: RENAME_NOREPLACE 1, RENAME_EXCHANGE 2. */
  rename(parent: NodeRef, name: string, newParent: NodeRef, newName: string, flags: number): Promise<void>;
  link(node: NodeRef, newParent: NodeRef, newName: string): Promise<EntryInfo>;
  open(node: NodeRef, flags: OpenFlags): Promise<MountFile>;
  create(parent: NodeRef, name: string, mode: number, flags: OpenFlags & { exclusive: boolean }): Promise<{ entry: EntryInfo; file: MountFile }>;
  /** Extended attributes; flags: XATTR_CREATE 1, XATTR_REPLACE 2. */
  getxattr(node: NodeRef, name: string): Promise<Buffer>;
  listxattr(node: NodeRef): Promise<string[]>;
  setxattr(node: NodeRef, name: string, value: Buffer, flags: number): Promise<void>;
  removexattr(node: NodeRef, name: string): Promise<void>;
  /**
   * Locks held for this mount by the master (see src/master/locks.ts). `owner` is the kernel's
   * lock owner; `end` inclusive, Infinity to the end of the file; type F_RDLCK 0, F_WRLCK 1,
   * F_UNLCK 2. With `wait`, resolves once held, or fails EINTR when `signal` aborts first.
   */
  setlk(node: NodeRef, owner: bigint, lock: BackendLock, wait: boolean, signal?: AbortSignal): Promise<void>;
  /** The lock that would be in the way of `lock`, or one of type F_UNLCK. */
  getlk(node: NodeRef, owner: bigint, lock: BackendLock): Promise<BackendLock>;
  flock(node: NodeRef, owner: bigint, op: 'sh' | 'ex' | 'un', wait: boolean, signal?: AbortSignal): Promise<void>;
  /** Everything `owner` holds of one kind on the file goes (a close). */
  unlock(node: NodeRef, owner: bigint, kind: 'posix' | 'flock'): Promise<void>;
  /** mask: R_OK 4, W_OK 2, X_OK 1, F_OK 0. */
  access(node: NodeRef, mask: number): Promise<void>;
  statfs(): Promise<StatFs>;
  /**
   * Hears of changes made elsewhere to what this client was told (see the design note). The
   * listener is called in the task that received the invalidation, and a call's promise
   * resolves in the task that received its reply, so that an invalidation that followed a
   * reply on the wire reaches the listener after that call's caller has seen the reply. The
   * master hears that the change is taken once every listener's promise has settled.
   */
  onInvalidate(listener: (change: Invalidation) => void | Promise<void>): void;
  /**
   * Hears when the channel to the master breaks (false) and is back (true): caches are
   * trusted only while it is up. Any number of listeners. A master that stops answering
   * without closing the connection counts as a break once a keepalive says so.
   */
  onChannel(listener: (up: boolean) => void): void;
  /** Lets go of the master (the mount is gone): open files are closed, listeners hear no more. */
  close(): void;
}
