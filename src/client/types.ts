// Shapes the client library hands to its users (the CLI and the FUSE daemon).
export type FileType = 'file' | 'dir' | 'symlink';

export interface Attr {
  ino: number;
  type: FileType;
  /** Full st_mode: file type bits | permission bits. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  /** Milliseconds since the epoch. */
  atime: number;
  mtime: number;
  ctime: number;
  /** Replication factor for this file's new blocks. */
  replicas: number;
}

/** A time to set: ms since the epoch, the master's clock (`'now'`), or undefined (leave it). */
export type FileTime = number | 'now' | undefined;

export interface DirEntry {
  name: string;
  attr: Attr;
}

export interface StatFs {
  blockSize: number;
  capacity: number;
  used: number;
  free: number;
  files: number;
}

export interface OpenFlags {
  read: boolean;
  write: boolean;
  truncate?: boolean;
  append?: boolean;
}
