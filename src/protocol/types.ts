// The shapes both ends of the wire share: a file's attributes, listings, accounts, the
// cluster's status and fsck's report. The master builds them, the client library hands them
// to the CLI and the mount; neither end's code is imported by the other (src/protocol/ imports
// nothing but Node).
/** The kinds of inode: the last four hold no data in dfs (the kernel serves FIFOs and sockets itself). */
export type FileType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';

/** The S_IF* bits of st_mode for each kind of inode, as Linux numbers them. */
export const TYPE_BITS: Record<FileType, number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  fifo: 0o010000,
  socket: 0o140000,
  char: 0o020000,
  block: 0o060000,
};

/** The kind of inode st_mode's S_IFMT bits name, or undefined for none dfs keeps. */
export function typeOfMode(mode: number): FileType | undefined {
  const bits = mode & 0o170000;
  return (Object.keys(TYPE_BITS) as FileType[]).find((t) => TYPE_BITS[t] === bits);
}

export type Attr = {
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
  /** Character and block devices: the device number, as Linux encodes dev_t (absent: 0). */
  rdev?: number;
};

/** A time to set: ms since the epoch, the master's clock (`'now'`), or undefined (leave it). */
export type FileTime = number | 'now' | undefined;

export type DirEntry = {
  name: string;
  attr: Attr;
};

export type StatFs = {
  blockSize: number;
  capacity: number;
  used: number;
  free: number;
  files: number;
};

/** A removed file or directory in the trash (`dfs trash list`). */
export type TrashItem = {
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
};

/** What a tree holds (`dfs du`). */
export type Usage = {
  files: number;
  dirs: number;
  bytes: number;
  /** Bytes times each file's replication factor. */
  replicated: number;
  /** Directories the caller may not list, whose contents are not counted. */
  unreadable: number;
};

/** `dfs info`: a file's blocks and their copies, or a directory's usage. */
export type PathInfo = {
  path: string;
  attr: Attr;
  usage?: Usage;
  target?: string;
  blocks?: (BlockCopies | null)[];
};

/** One block of a file, where its copies are, and how many of them count. */
export type BlockCopies = {
  index: number;
  id: string;
  size: number;
  copies: { node: string; url?: string; up: boolean }[];
  /** Copies that count (on live nodes whose block lists were checked). */
  live: number;
  state: 'ok' | 'under-replicated' | 'missing' | 'over-replicated';
};

/** A client connected to the master, as it announced itself (`client.hello`), and since when. */
export type ClientInfo = {
  kind: 'mount' | 'cli' | 'client';
  host: string;
  address: string;
  mountpoint?: string;
  version: string;
  pid: number;
  user?: string;
  since: number;
};

export type ConnectedClient = ClientInfo & {
  /** The connection this answer goes to. */
  current: boolean;
};

export type ClusterInfo = {
  version: string;
  commit: string;
  startedAt: number;
  now: number;
  clients: ConnectedClient[];
  trash: { items: number; files: number; bytes: number; retentionMs: number };
};

/** A storage node as `dfs node list` shows it. */
export type NodeEntry = {
  id: string;
  url?: string;
  /** up, dead, draining (blocks still to copy off it), drained, or unregistered (named only by the block map). */
  state: 'up' | 'dead' | 'draining' | 'drained' | 'unregistered';
  alive: boolean;
  draining: boolean;
  copies: number;
  toCopy: number;
  onlyCopy: number;
};

// ---- accounts and sessions ----

export type LoginResult = {
  token: string;
  expires: number;
  user: string;
  uid: number;
  gid: number;
  admin: boolean;
};

export type UserInfo = {
  name: string;
  uid: number;
  gid: number;
  admin: boolean;
  mfa?: boolean;
};

export type GroupInfo = {
  name: string;
  gid: number;
  members: string[];
};

export type SessionInfo = {
  /** A prefix of the token's hash; the token itself never leaves the client that has it. */
  id: string;
  user: string;
  created: number | null;
  expires: number;
  from: string | null;
  /** The session this client is using. */
  current: boolean;
};

// ---- the cluster ----

export type NodeStatus = {
  id: string;
  url: string;
  alive: boolean;
  capacity: number;
  used: number;
  blocks: number;
  lastSeen: number;
  /** The file system its blocks are on (host:device), null for a memory node; nodes that share one share its free space. */
  volume?: string | null;
};

export type ClusterStatus = {
  nodes: NodeStatus[];
  files: number;
  dirs: number;
  blocks: number;
  blockSize: number;
  garbage: number;
  underReplicated?: number;
  missing?: number;
  /** Of the missing, blocks whose every copy failed a reader's check: unreadable, but kept. */
  lost?: number;
  /** Copies of each block a write must store to succeed; between this and a file's factor it succeeds under-replicated. */
  minReplicas?: number;
  corrupt?: number;
  /** Live nodes' space all told; a file system that several nodes share is counted once. */
  space?: { capacity: number; used: number; free: number };
};

export type DamagedFile = {
  path: string;
  ino: number;
  blocks: number;
  /** Blocks with no good live copy: their bytes cannot be read now. */
  missing: number;
  /** Of the missing, blocks whose every live copy failed a reader's check (lost, not just away). */
  lost: number;
  /** Blocks with fewer live copies than `replicas` (but at least one). */
  underReplicated: number;
  replicas: number;
};

export type FsckReport = {
  path: string;
  files: number;
  dirs: number;
  blocks: number;
  missing: number;
  lost: number;
  underReplicated: number;
  /** Blocks with a copy found corrupt that are not yet back to their factor (cluster-wide). */
  corrupt: number;
  /** Directory entries naming an inode that does not exist. */
  dangling: string[];
  damaged: DamagedFile[];
  /** More damaged files than the report lists. */
  truncated: boolean;
  /** Live nodes whose block list could not be fetched (their copies were taken on trust). */
  unverifiedNodes: string[];
  /** Files asking for more copies than the cluster has nodes: checked against one copy a node, and not damage. */
  beyondNodes: number;
  healthy: boolean;
};
