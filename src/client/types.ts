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

/** A removed file or directory in the trash (`dfs trash list`). */
export interface TrashItem {
  /** Its id: the removed inode's number. */
  id: number;
  /** Where it is now, in the trash directory. */
  trashPath: string;
  /** Where it was. */
  path: string;
  type: FileType;
  uid: number;
  removedBy: number;
  /** When it was removed, and when the master purges it (ms). */
  removed: number;
  purgeAt: number;
  /** Files and bytes it held when removed (a directory: its whole tree). */
  files: number;
  bytes: number;
}

/** What a tree holds (`dfs du`). */
export interface Usage {
  files: number;
  dirs: number;
  bytes: number;
  /** Bytes times each file's replication factor. */
  replicated: number;
  /** Directories the caller may not list, whose contents are not counted. */
  unreadable: number;
}

/** `dfs info`: a file's blocks and their copies, or a directory's usage. */
export interface PathInfo {
  path: string;
  attr: Attr;
  usage?: Usage;
  target?: string;
  blocks?: (BlockCopies | null)[];
}

/** One block of a file, where its copies are, and how many of them count. */
export interface BlockCopies {
  index: number;
  id: string;
  size: number;
  copies: { node: string; url?: string; up: boolean }[];
  /** Copies that count (on live nodes whose block lists were checked). */
  live: number;
  state: 'ok' | 'under-replicated' | 'missing' | 'over-replicated';
}

/** A client connected to the master, as it announced itself (`client.hello`), and since when. */
export interface ClientInfo {
  kind: 'mount' | 'cli' | 'client';
  host: string;
  address: string;
  mountpoint?: string;
  version: string;
  pid: number;
  user?: string;
  since: number;
}

export interface ConnectedClient extends ClientInfo {
  /** The connection this answer goes to. */
  current: boolean;
}

export interface ClusterInfo {
  version: string;
  commit: string;
  startedAt: number;
  now: number;
  clients: ConnectedClient[];
  trash: { items: number; files: number; bytes: number; retentionMs: number };
}

/** A storage node as `dfs node list` shows it. */
export interface NodeEntry {
  id: string;
  url?: string;
  /** up, dead, draining (blocks still to copy off it), drained, or unregistered (named only by the block map). */
  state: 'up' | 'dead' | 'draining' | 'drained' | 'unregistered';
  alive: boolean;
  draining: boolean;
  copies: number;
  toCopy: number;
  onlyCopy: number;
}
