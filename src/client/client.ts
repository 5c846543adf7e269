// The client library: everything the CLI and the FUSE daemon do goes through here.
// Metadata goes to the master (master-session.ts; accounts and the cluster in
// accounts-client.ts); block bytes go straight to the storage nodes.
import type { Attr, DirEntry, FileTime, FileType, PathInfo, StatFs, TrashItem } from '../protocol/types.js';
import type { Allocated, ByIno, NodeAddress, OpenInfo, Res } from '../protocol/methods.js';
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import { BlockCache } from './block-cache.js';
import { BlockIO, Limiter } from './block-io.js';
import { BufferPool } from './buffer-pool.js';
import type { ClientCore } from './core.js';
import { FileHandle } from './file-handle.js';
import { OpenFile } from './open-file.js';
import { clientLimits, type ClientLimits } from './limits.js';
import { AccountsClient } from './accounts-client.js';
import type { SessionOptions } from './master-session.js';
import type { OpenFlags } from './types.js';
import { walkPath } from './path-walk.js';

export interface ClientOptions extends SessionOptions {
  cacheBytes?: number;
  /** Entries asked for per fs.readdir reply (default DEFAULTS.readdirPage). */
  readdirPage?: number;
  /** Read-ahead, buffered bytes and write retries for this client (src/client/limits.ts; each left out: DEFAULTS). */
  limits?: Partial<ClientLimits>;
}

/** Makes a user-supplied path absolute and normal ("a/../b" → "/b"). */
export function normalizePath(p: string): string {
  if (p.includes('\0')) throw new DfsError('EINVAL', 'path contains NUL');
  const abs = path.posix.resolve('/', p);
  return abs.length > 1 && abs.endsWith('/') ? abs.slice(0, -1) : abs;
}

export class DfsClient extends AccountsClient implements ClientCore {
  readonly cache: BlockCache;
  readonly io: BlockIO;
  readonly uploads = new Limiter(DEFAULTS.clientUploadConcurrency);
  readonly limits: ClientLimits;
  private readonly open = new Map<number, OpenFile>();
  private readonly readdirPage: number;
  private readonly nodeUrls = new Map<string, string>();
  private readonly pools = new Map<number, BufferPool>();

  constructor(url: string, options: ClientOptions = {}) {
    super(url, options);
    this.limits = clientLimits(options.limits);
    this.cache = new BlockCache(options.cacheBytes ?? DEFAULTS.clientCacheBytes);
    this.readdirPage = options.readdirPage ?? DEFAULTS.readdirPage;
    this.io = new BlockIO(options.ca);
  }

  pool(size: number): BufferPool {
    let p = this.pools.get(size);
    if (!p) {
      p = new BufferPool(size, DEFAULTS.clientPooledBuffers);
      this.pools.set(size, p);
    }
    return p;
  }

  // ---- namespace ----

  /** lstat: a symlink is reported as itself unless `follow`. Open files report their local size. */
  async getattr(p: string, follow = false): Promise<Attr> {
    return this.overlay((await this.call('fs.getattr', { path: normalizePath(p), follow })).attr);
  }

  /**
   * `a` grown to the end of the writes to its inode here that the master has not seen yet:
   * the master's size is the newer one otherwise (another client may have changed it).
   */
  overlay(a: Attr): Attr {
    const of = this.open.get(a.ino);
    return of?.hasLocalChanges() ? { ...a, size: Math.max(a.size, of.unpublishedEnd) } : a;
  }

  async readdir(p: string): Promise<DirEntry[]> {
    return (await this.listDir(p)).entries;
  }

  /**
   * A directory's entries and its own attributes (for "." in a listing). With `atMost`, the
   * pages stop once more than that many entries have come, and `complete` is false: a
   * listing for a cache's sake need not read a million names.
   */
  async listDir(p: string, atMost = Infinity): Promise<{ dir: Attr; entries: DirEntry[]; complete: boolean }> {
    const path = normalizePath(p);
    const limit = Math.min(this.readdirPage, atMost + 1);
    let r = await this.call('fs.readdir', { path, limit });
    const dir = r.attr;
    const entries: DirEntry[] = [];
    for (;;) {
      for (const e of r.entries) entries.push({ name: e.name, attr: this.overlay(e.attr) });
      // a large directory comes in pages (src/rpc/paging.ts)
      if (typeof r.cursor !== 'string') return { dir, entries, complete: true };
      if (entries.length > atMost) {
        // the master keeps a copy of the names for the rest: let it go (if this fails, it expires)
        this.call('fs.readdir', { path, cursor: r.cursor, end: true }).catch(() => undefined);
        return { dir, entries, complete: false };
      }
      r = await this.call('fs.readdir', { path, limit, cursor: r.cursor });
    }
  }

  async mkdir(p: string, mode = 0o755): Promise<Attr> {
    return (await this.call('fs.mkdir', { path: normalizePath(p), mode })).attr;
  }

  /** A FIFO, socket, regular file, or (an admin only) a device numbered `rdev`, as mknod(2) makes them. */
  async mknod(p: string, type: FileType, mode: number, rdev = 0): Promise<Attr> {
    return (await this.call('fs.mknod', { path: normalizePath(p), type, mode, rdev })).attr;
  }

  async rmdir(p: string): Promise<void> {
    await this.call('fs.rmdir', { path: normalizePath(p) });
  }

  async unlink(p: string): Promise<void> {
    await this.call('fs.unlink', { path: normalizePath(p) });
  }

  /**
   * `rm`: a file, or with `recursive` a whole tree, into the trash as one item (for good with
   * `skipTrash`, or when the cluster keeps no trash). Returns the item's trash id, if trashed.
   */
  async remove(p: string, opts: { recursive?: boolean; skipTrash?: boolean } = {}): Promise<number | null> {
    const r = await this.call('fs.remove', { path: normalizePath(p), recursive: opts.recursive ?? false, skipTrash: opts.skipTrash ?? false });
    return r.trashed;
  }

  async trashList(): Promise<{ items: TrashItem[]; retentionMs: number }> {
    return this.call('trash.list', {});
  }

  /** Puts a trash item (by id or trash name) back where it was, or at `to`; returns where it went. */
  async trashRestore(id: string, to?: string): Promise<string> {
    return (await this.call('trash.restore', { id, to: to === undefined ? undefined : normalizePath(to) })).path;
  }

  /** Purges one item, or (`'all'`) every item this user may; returns how many went. */
  async trashPurge(id: string): Promise<number> {
    return (await this.call('trash.purge', id === 'all' ? { all: true } : { id })).purged;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.call('fs.rename', { from: normalizePath(from), to: normalizePath(to) });
  }

  chmod(p: string, mode: number): Promise<Attr> {
    return this.setattr(this.call('fs.chmod', { path: normalizePath(p), mode }));
  }

  /** uid or gid -1 leaves it as it is; `follow` changes a symlink's target instead of the link. */
  chown(p: string, uid: number, gid: number, follow = false): Promise<Attr> {
    return this.setattr(this.call('fs.chown', { path: normalizePath(p), uid, gid, follow }));
  }

  /** A change the master answers with the new attributes, which an open file of the inode takes too (fstat after fchmod). */
  private async setattr(change: Promise<{ attr: Attr }>): Promise<Attr> {
    return this.attrChanged((await change).attr);
  }

  /** The master changed an inode's attributes (chmod, chown, times): an open file of it takes them; answers them with the local size. */
  attrChanged(a: Attr): Attr {
    const of = this.open.get(a.ino);
    if (of) of.attr = a;
    return this.overlay(a);
  }

  /** Another client changed `ino` (the master said so): an open file of it here takes the master's block list, under its own unsaved writes. */
  async inodeChanged(ino: number): Promise<void> {
    await this.open.get(ino)?.rebase();
  }

  /** Commits what the open file of `ino` here still holds (before times are set: see flushOpen). */
  async flushInode(ino: number): Promise<void> {
    const of = this.open.get(ino);
    if (of?.hasLocalChanges()) await of.flush();
  }

  /**
   * Times in ms since the epoch, `'now'` for the master's clock, undefined to leave one as it
   * is. Both `'now'` needs write access; anything else, ownership (utimensat's rule).
   */
  async utimens(p: string, atime: FileTime, mtime: FileTime): Promise<Attr> {
    await this.flushOpen(p);
    return this.setattr(this.call('fs.utimens', { path: normalizePath(p), atime, mtime }));
  }

  /**
   * Commits what this client's open file at `p` still holds, so that the commit, which
   * stamps the master's time as mtime, lands before the times set next and not after:
   * `cp -p` and `tar x` set times on the open file before they close it. No call at all
   * when no open file has unsaved changes.
   */
  private async flushOpen(p: string): Promise<void> {
    if (![...this.open.values()].some((f) => f.hasLocalChanges())) return;
    await this.flushInode((await this.call('fs.getattr', { path: normalizePath(p), follow: false })).attr.ino);
  }

  async symlink(target: string, p: string): Promise<Attr> {
    return (await this.call('fs.symlink', { target, path: normalizePath(p) })).attr;
  }

  async readlink(p: string): Promise<string> {
    return (await this.call('fs.readlink', { path: normalizePath(p) })).target;
  }

  async link(from: string, to: string): Promise<Attr> {
    return (await this.call('fs.link', { from: normalizePath(from), to: normalizePath(to) })).attr;
  }

  async access(p: string, mode: number): Promise<void> {
    await this.call('fs.access', { path: normalizePath(p), mode });
  }

  async setReplicas(p: string, replicas: number): Promise<Attr> {
    return (await this.call('fs.setreplicas', { path: normalizePath(p), replicas })).attr;
  }

  statfs(): Promise<StatFs> {
    return this.call('fs.statfs', {});
  }

  /** Files, directories and bytes under `p`, and with `entries` the same for each entry of a directory (`dfs du`). */
  usage(p: string, entries = false): Promise<Res<'fs.usage'>> {
    return this.call('fs.usage', { path: normalizePath(p), entries });
  }

  /** A file's blocks and where their copies are; a directory's usage (`dfs info`). */
  info(p: string): Promise<PathInfo> {
    return this.call('fs.info', { path: normalizePath(p) });
  }

  // ---- extended attributes: the master keeps them by inode (xattr-service.ts) ----

  /** The inode at `p` and the ticket that names it, for the calls by inode; `follow`: a symlink's target. */
  async reach(p: string, follow = false): Promise<ByIno> {
    const n = await walkPath(this, normalizePath(p), follow);
    return { ino: n.attr.ino, ticket: n.ticket };
  }

  async getxattr(node: ByIno, name: string): Promise<Buffer> {
    return Buffer.from((await this.call('ino.getxattr', { ino: node.ino, ticket: node.ticket, name })).value, 'base64');
  }

  /** The names (trusted.* only for an admin). */
  async listxattr(node: ByIno): Promise<string[]> {
    return (await this.call('ino.listxattr', { ino: node.ino, ticket: node.ticket })).names;
  }

  /** flags as setxattr(2): XATTR_CREATE 1, XATTR_REPLACE 2. */
  async setxattr(node: ByIno, name: string, value: Buffer, flags = 0): Promise<void> {
    await this.call('ino.setxattr', { ino: node.ino, ticket: node.ticket, name, value: value.toString('base64'), flags });
  }

  async removexattr(node: ByIno, name: string): Promise<void> {
    await this.call('ino.removexattr', { ino: node.ino, ticket: node.ticket, name });
  }

  // ---- files ----

  async openFile(p: string, flags: OpenFlags): Promise<FileHandle> {
    // a writer is sent a block id with the open, so its first upload need not ask for one
    const r = await this.call('fs.open', {
      path: normalizePath(p),
      read: flags.read,
      write: flags.write,
      truncate: flags.truncate ?? false,
      allocate: flags.write ? 1 : 0,
    });
    return this.adopt(r, flags);
  }

  /** Creates (or, unless exclusive, opens) a file. */
  async create(p: string, mode: number, flags: OpenFlags & { exclusive?: boolean } = { read: true, write: true }): Promise<FileHandle> {
    const r = await this.call('fs.create', {
      path: normalizePath(p),
      mode,
      exclusive: flags.exclusive ?? false,
      truncate: flags.truncate ?? false,
      allocate: 1,
    });
    return this.adopt(r, { ...flags, write: true });
  }

  /** A handle on a file the master opened (fs.open, fs.create, ino.open, ino.create), shared per inode in this client. */
  async adopt(info: OpenInfo, flags: OpenFlags): Promise<FileHandle> {
    this.learnNodes(info);
    const ino = info.attr.ino;
    let of = this.open.get(ino);
    const shared = of !== undefined;
    if (of) {
      of.applyInfo(info);
      // close-to-open: what other clients committed shows at this open, under our own unsaved writes
      await of.rebaseDirty();
    } else {
      of = new OpenFile(this, info);
      this.open.set(ino, of);
    }
    of.refs++;
    // the master emptied the file; a shared view with local changes must drop them too, after
    // the writes still on their way (which came before the open)
    if (shared && flags.truncate && of.hasLocalChanges()) await of.truncate(0);
    return new FileHandle(of, flags, () => {
      of.refs--;
      if (of.refs <= 0 && !of.hasLocalChanges()) {
        this.open.delete(ino);
        of.returnSpare();
      }
    });
  }

  /** Truncates by path (no handle open). */
  async truncate(p: string, size: number): Promise<void> {
    const h = await this.openFile(p, { read: false, write: true });
    try {
      await h.truncate(size);
    } finally {
      await h.close();
    }
  }

  private learnNodes(info: OpenInfo): void {
    for (const b of info.blocks) {
      for (const n of b?.nodes ?? []) this.nodeUrls.set(n.id, n.url);
    }
  }

  nodeUrl(id: string): string | undefined {
    return this.nodeUrls.get(id);
  }

  /**
   * Stores a sealed block on the nodes allocated, asking the master for others in place of
   * those that fail. With nodes failing it succeeds with at least `a.min` copies (the file's
   * factor is `a.want`; the master repairs the rest and counts the block under-replicated
   * meanwhile) and fails with fewer (EIO). A node that turns the block away for lack of room
   * is no reason for fewer copies: with fewer than `a.want`, that is ENOSPC (a full cluster
   * is full, whichever part of it says so; DEFAULTS.minReplicas). The copies of a block
   * that failed are handed back to the master as garbage at once, not at the allocation's
   * expiry: on a full cluster they hold room the next write needs.
   */
  async putReplicated(ino: number, ticket: string, index: number, a: Allocated, sealed: Buffer): Promise<{ id: string; nodes: string[] }> {
    for (const n of a.nodes) this.nodeUrls.set(n.id, n.url);
    const want = Math.max(a.want ?? a.nodes.length, a.nodes.length);
    const min = a.min ?? 1;
    let r = await this.io.put(a.id, a.cap, a.nodes, sealed);
    const tried = new Set([...r.ok, ...r.failed]);
    const errors = [...r.errors];
    // a node failed mid-write: ask the master for replacements and go on
    while (r.failed.length > 0 && r.ok.length < want) {
      let more: NodeAddress[];
      try {
        more = (await this.call('fs.replace', { ino, ticket, id: a.id, count: want - r.ok.length, exclude: [...tried] })).nodes;
      } catch (err) {
        if (r.ok.length >= min) break; // enough copies: the master repairs the rest
        throw err;
      }
      if (more.length === 0) break;
      for (const n of more) {
        this.nodeUrls.set(n.id, n.url);
        tried.add(n.id);
      }
      const again = await this.io.put(a.id, a.cap, more, sealed);
      errors.push(...again.errors);
      r = { ok: [...r.ok, ...again.ok], failed: again.failed, errors: again.errors };
    }
    const full = errors.some((e) => e.code === 'ENOSPC');
    if (r.ok.length < min || (full && r.ok.length < want)) {
      if (r.ok.length > 0) this.call('fs.unallocate', { ino, ticket, ids: [a.id], stored: true }, { retryMs: 0 }).catch(() => undefined);
      const last = errors[errors.length - 1];
      const why = last ? last.detail || last.message : 'no node available';
      const copies = full ? ` (${r.ok.length} of ${want} copies)` : min === 1 ? '' : ` (${r.ok.length} of the ${min} copies a write needs)`;
      throw new DfsError(full ? 'ENOSPC' : 'EIO', `${full ? 'no room for' : 'cannot store'} block ${index}${copies}: ${why}`);
    }
    return { id: a.id, nodes: r.ok };
  }

  reportCorrupt(ino: number, ticket: string, blockId: string, nodeId: string): void {
    this.call('block.corrupt', { ino, ticket, id: blockId, node: nodeId }).catch(() => undefined);
  }

  /** Flushes every open file. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.open.values()].map((f) => f.flush()));
  }

  close(): void {
    this.master.close();
    this.io.close();
  }
}
