// Every method on the wire, with what it takes and what it answers: one table a side, as
// go-fuse's opcode table has it. The client library calls through `call<M>` and the servers
// declare their handlers against it, so neither end spells a method or casts a reply on its
// own. Requests are untrusted at the receiving end all the same: a handler parses its fields
// (src/rpc/params.ts), and the types here say what a well-behaved peer sends. Every master
// call also carries the session `token` and a request id (`rid`); the transport adds them.
// Block bytes never appear here: they travel as the message's raw payload.
import type {
  Attr,
  ClusterInfo,
  ClusterStatus,
  ConnectedClient,
  DirEntry,
  FileTime,
  FileType,
  FsckReport,
  GroupInfo,
  LoginResult,
  NodeEntry,
  PathInfo,
  SessionInfo,
  StatFs,
  TrashItem,
  Usage,
  UserInfo,
} from './types.js';

/** A method's request and reply. `void`: an empty reply. */
interface Method<Req, Res> {
  req: Req;
  res: Res;
}

/** A storage node, as the master names it to clients. */
export type NodeAddress = { id: string; url: string };

/** A block of a file, where its copies are, and the capability to read it. */
export type RemoteBlock = {
  index: number;
  id: string;
  /** Plaintext bytes of the block itself (its overlays may reach further: slotReach). */
  size: number;
  nodes: NodeAddress[];
  cap: string;
  /** Overlays laid over the block by small writes, newest last (src/master/block-overlays.ts). */
  over?: RemoteOverlay[];
};

/** An overlay as a reader fetches it: a stored object holding whole 4 KiB pages `pages` of its slot. */
export type RemoteOverlay = { id: string; size: number; pages: number[]; nodes: NodeAddress[]; cap: string };

/** A block id handed to a writer: the nodes to store it on and the capability to write it. */
export type Allocated = {
  id: string;
  nodes: NodeAddress[];
  cap: string;
  /** The file's copies of each block, and how many a write must store to succeed. */
  want?: number;
  min?: number;
};

/** What a client needs to read and write a file: its key, block list and capabilities, and the open ticket. */
export type OpenInfo = {
  attr: Attr;
  /** The file's data key, base64. */
  key: string;
  blockSize: number;
  blocks: (RemoteBlock | null)[];
  /** Proof that this session opened the file by a path it may search; by-inode calls show it. */
  ticket: string;
  /** The ticket is a write ticket: the open was for writing, and writes go through it whatever the mode becomes. */
  writable?: boolean;
  /** Block ids handed out with an open for writing, so a first upload need not ask for one. */
  spare?: Allocated[];
};

/** A block a writer stored, for fs.commit: where, and the block it replaces (its base). */
export type Placement = {
  index: number;
  id: string;
  size: number;
  nodes: string[];
  base?: string | null;
  /** An overlay: the slot's pages the stored object holds, laid over the slot's present contents. */
  pages?: number[];
};

export type Whoami = { user: string; uid: number; gid: number; admin: boolean; groups: number[]; mfa: boolean };

/** A change made elsewhere that a mount may have cached (the master pushes it: `inval`). */
export type Invalidation = { kind: 'inode'; ino: number } | { kind: 'entry'; parent: number; name: string };

/** A file named by inode: the master checks the ticket. */
export type ByIno = { ino: number; ticket: string };
/** A directory named by inode, for a name in it. */
type InoParent = { parent: number; pticket: string };
/** An inode reached, and its ticket for the calls that name it. */
export type InoEntry = { attr: Attr; ticket: string };

export type MasterMethods = {
  // ---- sessions and accounts ----
  'auth.login': Method<{ user: string; password: string; totp?: string }, LoginResult>;
  'auth.logout': Method<Record<string, never>, void>;
  'auth.whoami': Method<Record<string, never>, Whoami>;
  'mfa.enable': Method<{ code?: string; issuer?: string }, { secret: string; uri: string; replacing: boolean }>;
  'mfa.confirm': Method<{ code: string }, void>;
  'mfa.disable': Method<{ user?: string; code?: string }, void>;
  'session.list': Method<Record<string, never>, { sessions: SessionInfo[] }>;
  'session.revoke': Method<{ id: string } | { user: string }, { revoked: number }>;
  'user.add': Method<{ name: string; password: string }, { name: string; uid: number; gid: number }>;
  'user.list': Method<Record<string, never>, { users: UserInfo[] }>;
  'user.passwd': Method<{ password: string; user?: string }, void>;
  'group.add': Method<{ name: string }, GroupInfo>;
  'group.adduser': Method<{ group: string; user: string }, GroupInfo>;
  'group.deluser': Method<{ group: string; user: string }, GroupInfo>;
  'group.list': Method<Record<string, never>, { groups: GroupInfo[] }>;
  /**
   * What a client is, on every connection. `id`: the client's own, stable across reconnects;
   * `holds`: the files it has open (with their tickets), so they stay held; `invalidations`:
   * it caches by lease and wants to be told of changes (`inval`, see ClientMethods).
   */
  'client.hello': Method<
    { kind: ConnectedClient['kind']; host: string; mountpoint?: string; version: string; pid: number; id?: string; holds?: ByIno[]; invalidations?: boolean },
    void
  >;

  // ---- the namespace, by path ----
  'fs.getattr': Method<{ path: string; follow?: boolean }, { attr: Attr }>;
  /** A page at a time past `limit` entries: follow `cursor`; `end` lets the master drop its copy early. */
  'fs.readdir': Method<{ path: string; limit?: number; cursor?: string; end?: boolean }, { attr: Attr; entries: DirEntry[]; cursor?: string }>;
  'fs.mkdir': Method<{ path: string; mode: number }, { attr: Attr }>;
  /** mknod(2): a regular file, FIFO, socket, or (an admin only) a character or block device numbered `rdev`. */
  'fs.mknod': Method<{ path: string; type: FileType; mode: number; rdev?: number }, { attr: Attr }>;
  'fs.create': Method<{ path: string; mode: number; exclusive?: boolean; truncate?: boolean; allocate?: number }, OpenInfo>;
  'fs.open': Method<{ path: string; read?: boolean; write?: boolean; truncate?: boolean; allocate?: number }, OpenInfo>;
  'fs.unlink': Method<{ path: string }, void>;
  'fs.rmdir': Method<{ path: string }, void>;
  /** rm as the CLI does it: into the trash unless `skipTrash`; a directory only with `recursive`. */
  'fs.remove': Method<{ path: string; recursive?: boolean; skipTrash?: boolean }, { trashed: number | null }>;
  'fs.rename': Method<{ from: string; to: string }, void>;
  'fs.chmod': Method<{ path: string; mode: number }, { attr: Attr }>;
  /** -1 (or absent) leaves the uid or gid as it is. */
  'fs.chown': Method<{ path: string; uid?: number; gid?: number; follow?: boolean }, { attr: Attr }>;
  'fs.utimens': Method<{ path: string; atime?: FileTime; mtime?: FileTime; follow?: boolean }, { attr: Attr }>;
  'fs.symlink': Method<{ target: string; path: string }, { attr: Attr }>;
  'fs.readlink': Method<{ path: string }, { target: string }>;
  'fs.link': Method<{ from: string; to: string }, { attr: Attr }>;
  'fs.access': Method<{ path: string; mode: number }, void>;
  'fs.setreplicas': Method<{ path: string; replicas: number }, { attr: Attr }>;
  'fs.statfs': Method<Record<string, never>, StatFs>;
  'fs.usage': Method<{ path: string; entries?: boolean }, { total: Usage; entries?: (Usage & { name: string; type: FileType })[] }>;
  'fs.info': Method<{ path: string }, PathInfo>;

  // ---- the namespace by inode, as a mount walks it (src/master/inode-service.ts) ----
  'ino.root': Method<Record<string, never>, InoEntry>;
  'ino.lookup': Method<InoParent & { name: string }, InoEntry>;
  'ino.getattr': Method<ByIno, { attr: Attr }>;
  'ino.setattr': Method<ByIno & { mode?: number; uid?: number; gid?: number; atime?: FileTime; mtime?: FileTime }, { attr: Attr }>;
  /** A page at a time past `limit` entries, as fs.readdir; `parent` is the directory's own (".."). */
  'ino.readdir': Method<ByIno & { limit?: number; cursor?: string; end?: boolean }, { parent: number; entries: (DirEntry & { ticket: string })[]; cursor?: string }>;
  'ino.mkdir': Method<InoParent & { name: string; mode: number }, InoEntry>;
  'ino.symlink': Method<InoParent & { name: string; target: string }, InoEntry>;
  /** A FIFO, socket, regular file, or (an admin only) a device, as fs.mknod. */
  'ino.mknod': Method<InoParent & { name: string; type: FileType; mode: number; rdev?: number }, InoEntry>;
  'ino.readlink': Method<ByIno, { target: string }>;
  'ino.unlink': Method<InoParent & { name: string }, void>;
  'ino.rmdir': Method<InoParent & { name: string }, void>;
  /** flags: RENAME_NOREPLACE 1 (RENAME_EXCHANGE is EINVAL). */
  'ino.rename': Method<InoParent & { name: string; newParent: number; newPticket: string; newName: string; flags?: number }, void>;
  'ino.link': Method<ByIno & { newParent: number; newPticket: string; newName: string }, InoEntry>;
  'ino.access': Method<ByIno & { mode: number }, void>;
  /** Opens and holds the file (see fs.release). */
  'ino.open': Method<ByIno & { read?: boolean; write?: boolean; truncate?: boolean; allocate?: number }, OpenInfo>;
  'ino.create': Method<InoParent & { name: string; mode: number; exclusive?: boolean; truncate?: boolean; allocate?: number }, OpenInfo>;
  /** Extended attributes (src/master/xattr-service.ts); values base64. flags: XATTR_CREATE 1, XATTR_REPLACE 2. */
  'ino.getxattr': Method<ByIno & { name: string }, { value: string }>;
  'ino.listxattr': Method<ByIno, { names: string[] }>;
  'ino.setxattr': Method<ByIno & { name: string; value: string; flags?: number }, void>;
  'ino.removexattr': Method<ByIno & { name: string }, void>;
  /**
   * Locks (src/master/lock-service.ts). type: F_RDLCK 0, F_WRLCK 1, F_UNLCK 2; `end` inclusive,
   * -1 to the end of the file; `owner` the mount's id and the kernel's lock owner. With `wait`,
   * EAGAIN means "still taken, ask again" (a slice of the wait), and `id` names the wait for
   * ino.lockcancel.
   */
  'ino.setlk': Method<ByIno & { owner: string; type: number; start: number; end: number; pid: number; wait?: boolean; id?: string }, void>;
  'ino.getlk': Method<ByIno & { owner: string; type: number; start: number; end: number }, { type: number; start: number; end: number; pid: number }>;
  'ino.flock': Method<ByIno & { owner: string; op: 'sh' | 'ex' | 'un'; wait?: boolean; id?: string }, void>;
  'ino.unlock': Method<ByIno & { owner: string; kind: 'posix' | 'flock' }, void>;
  'ino.lockcancel': Method<{ id: string }, void>;
  /** The last close of a file in this client: it holds the file no more (an orphan goes when nobody does). */
  'fs.release': Method<ByIno, void>;

  // ---- a file's blocks, by inode (after fs.open / fs.create) ----
  'fs.blocks': Method<ByIno, OpenInfo>;
  'fs.allocate': Method<ByIno & { count: number; replicas?: number; exclude?: string[] }, { blocks: Allocated[] }>;
  /** Block ids a writer was given and did not use; `stored`: copies of them landed, and are garbage now. */
  'fs.unallocate': Method<ByIno & { ids: string[]; stored?: boolean }, void>;
  /** Other nodes for a block whose upload to some failed. */
  'fs.replace': Method<ByIno & { id: string; count: number; exclude: string[] }, { nodes: NodeAddress[] }>;
  /** A write's new blocks and the size: grows it to `size`, or with `truncate` sets it (see open-file.ts). */
  /** The reply's `blocks`: the placed slots as they are after the commit (absent from a retried commit's reply). */
  'fs.commit': Method<ByIno & { size: number; blocks: Placement[]; truncate?: boolean; mtime?: number }, { attr: Attr; blocks?: (RemoteBlock | null)[] }>;
  /** A reader's copy failed its check (the GCM tag). */
  'block.corrupt': Method<ByIno & { id: string; node: string }, void>;

  // ---- the cluster ----
  'cluster.status': Method<Record<string, never>, ClusterStatus>;
  'cluster.info': Method<Record<string, never>, ClusterInfo>;
  'cluster.fsck': Method<{ path: string }, FsckReport>;
  'cluster.nodes': Method<Record<string, never>, { nodes: NodeEntry[] }>;
  'node.drain': Method<{ id: string; undo?: boolean }, { node: NodeEntry | null }>;
  'node.remove': Method<{ id: string; force?: boolean }, { forgotten: number; lost: number }>;
  'trash.list': Method<Record<string, never>, { items: TrashItem[]; retentionMs: number }>;
  /** `id`: the item's inode number, or its name in the trash. */
  'trash.restore': Method<{ id: string; to?: string }, { path: string }>;
  'trash.purge': Method<{ id: string } | { all: true }, { purged: number }>;

  // ---- storage nodes, on their registration link ----
  'node.register': Method<NodeSpaceReport & { id: string; url: string; secret: string }, { capKey: string; heartbeatMs: number }>;
  'node.heartbeat': Method<NodeSpaceReport, void>;
  /** Blocks a node found bad or missing on its own disk. */
  'node.corrupt': Method<{ ids: string[] }, void>;
};

/** What a storage node says of its space, at registration and in every heartbeat. */
export type NodeSpaceReport = { capacity: number; used: number; blockCount: number; volume?: string; volumeFree?: number };

/** A storage node's methods: clients (with a capability) and the master (on its control link). */
export type StorageMethods = {
  /** Payload: the sealed block. */
  'block.put': Method<{ id: string; cap: string }, void>;
  /** Reply payload: the sealed block, or the range asked for. */
  'block.get': Method<{ id: string; cap: string; offset?: number; length?: number }, void>;
  'block.delete': Method<{ ids: string[] }, { deleted: number }>;
  'block.list': Method<{ limit?: number; cursor?: string }, { ids: string[]; cursor?: string }>;
  /** Copies a block from another node (repair). */
  'block.replicate': Method<{ id: string; from: string; cap: string }, void>;
};

/** What the master may call on a client that asked for it (client.hello { invalidations: true }). */
export type ClientMethods = {
  /** Drop these from your caches: another connection changed them. No answer is waited for. */
  inval: Method<{ changes: Invalidation[] }, void>;
};

export type MasterMethod = keyof MasterMethods;
type Any = MasterMethods & StorageMethods & ClientMethods;
/** What method `M` takes. */
export type Req<M extends keyof Any> = Any[M]['req'];
/** What method `M` answers. */
export type Res<M extends keyof Any> = Any[M]['res'];
