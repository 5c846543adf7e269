// An in-memory MountBackend (src/client/mount-api.ts) for the by-inode FUSE layer's tests, as
// JuiceFS tests its VFS on memkv: one session of a MemStore (mem-store.ts). It checks the
// tickets the layer hands back (each session's own, as the master's are), keeps an open
// file's inode alive through its holds, pages directories with a cursor, passes on the
// changes other sessions make as invalidations while its channel is up, and can have its
// channel cut: then invalidations are lost (as a master that cannot reach the mount), while
// calls still work (as if each reconnected). It counts what it is asked.
import type { OpenFlags } from '../../src/client/types.js';
import type { Attr, FileType, StatFs } from '../../src/protocol/types.js';
import type { AttrUpdate, BackendLock, DirPage, EntryInfo, Invalidation, MountBackend, MountFile, NodeRef } from '../../src/client/mount-api.js';
import { LockTable } from '../../src/master/locks.js';
import { fail, type MemInode, type MemStore, type StoreListener } from './mem-store.js';

export interface SessionOptions {
  /** The dfs user this session acts as (owner of what it creates). */
  uid?: number;
  gid?: number;
}

/** The master's lock table, one per store: the sessions of a store exclude each other. */
const lockTables = new WeakMap<MemStore, LockTable>();

export class MemSession implements MountBackend, StoreListener {
  readonly calls = new Map<string, number>();
  readonly writeSizes: number[] = [];
  private readonly invalidationListeners: ((c: Invalidation) => void | Promise<void>)[] = [];
  private readonly channelListeners: ((up: boolean) => void)[] = [];
  private up = true;
  private closed = false;
  /** Invalidations lost while the channel was down. */
  lost = 0;
  /** Operations held until the test lets them go, and who hears that one is waiting. */
  private readonly gates = new Map<string, () => void>();
  private readonly held = new Set<string>();
  onHeld: (op: string) => void = () => undefined;
  readonly owner: { uid: number; gid: number };

  constructor(
    readonly store: MemStore,
    readonly id: string,
    o: SessionOptions = {},
  ) {
    this.owner = { uid: o.uid ?? 0, gid: o.gid ?? 0 };
    store.listen(this);
  }

  // ---- the test's handles on it ----
  /** Cuts the channel (false) or brings it back (true). */
  channel(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    for (const l of this.channelListeners) l(up);
  }

  heard(changes: Invalidation[]): void {
    if (this.closed) return;
    if (!this.up) {
      this.lost += changes.length;
      return;
    }
    for (const c of changes) for (const l of this.invalidationListeners) void l(c);
  }

  /** The next calls of `op` wait until `letGo(op)`. */
  hold(op: string): void {
    this.held.add(op);
  }

  letGo(op: string): void {
    this.held.delete(op);
    this.gates.get(op)?.();
    this.gates.delete(op);
  }

  private async gate(op: string): Promise<void> {
    if (!this.held.has(op)) return;
    const opened = new Promise<void>((resolve) => this.gates.set(op, resolve));
    this.onHeld(op);
    await opened;
  }

  ticketOf(ino: number): string {
    return `${this.id}:${ino}`;
  }

  count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  /** The inode a ref names, once its ticket is checked (EACCES, as the master's 'no-open-ticket'). */
  private node(ref: NodeRef): MemInode {
    const n = this.store.get(ref.ino);
    if (ref.ticket !== this.ticketOf(ref.ino)) throw fail('EACCES', `wrong ticket for inode ${ref.ino}`);
    return n;
  }

  private entry(n: MemInode): EntryInfo {
    return { attr: this.store.attr(n), ticket: this.ticketOf(n.ino) };
  }

  // ---- MountBackend ----
  async root(): Promise<EntryInfo> {
    this.count('root');
    return this.entry(this.store.get(1));
  }

  async lookup(parent: NodeRef, name: string): Promise<EntryInfo> {
    this.count('lookup');
    this.node(parent);
    const n = this.store.child(parent.ino, name);
    if (!n) throw fail('ENOENT');
    return this.entry(n);
  }

  async getattr(node: NodeRef): Promise<Attr> {
    this.count('getattr');
    return this.store.attr(this.node(node));
  }

  async setattr(node: NodeRef, u: AttrUpdate): Promise<Attr> {
    this.count('setattr');
    const n = this.node(node);
    this.store.setattr(this, n, u);
    return this.store.attr(n);
  }

  async readdir(dir: NodeRef, cursor?: string): Promise<DirPage> {
    this.count('readdir');
    const d = this.node(dir);
    const page = this.store.page(d.ino, cursor);
    return { parent: d.parent, entries: page.names.map(([name, n]) => ({ name, ...this.entry(n) })), cursor: page.cursor };
  }

  async mkdir(parent: NodeRef, name: string, mode: number): Promise<EntryInfo> {
    this.count('mkdir');
    await this.gate('mkdir');
    this.node(parent);
    return this.entry(this.store.make(this, parent.ino, name, 'dir', mode, this.owner));
  }

  async symlink(parent: NodeRef, name: string, target: string): Promise<EntryInfo> {
    this.count('symlink');
    this.node(parent);
    return this.entry(this.store.make(this, parent.ino, name, 'symlink', 0o777, this.owner, target));
  }

  async mknod(parent: NodeRef, name: string, type: FileType, mode: number): Promise<EntryInfo> {
    this.count('mknod');
    this.node(parent);
    return this.entry(this.store.make(this, parent.ino, name, type, mode, this.owner));
  }

  async readlink(node: NodeRef): Promise<string> {
    this.count('readlink');
    const n = this.node(node);
    if (n.target === undefined) throw fail('EINVAL');
    return n.target;
  }

  async unlink(parent: NodeRef, name: string): Promise<void> {
    this.count('unlink');
    this.node(parent);
    this.store.remove(this, parent.ino, name, false);
  }

  async rmdir(parent: NodeRef, name: string): Promise<void> {
    this.count('rmdir');
    this.node(parent);
    this.store.remove(this, parent.ino, name, true);
  }

  async rename(parent: NodeRef, name: string, newParent: NodeRef, newName: string, flags: number): Promise<void> {
    this.count('rename');
    this.node(parent);
    this.node(newParent);
    this.store.rename(this, parent.ino, name, newParent.ino, newName, flags);
  }

  async link(node: NodeRef, newParent: NodeRef, newName: string): Promise<EntryInfo> {
    this.count('link');
    const n = this.node(node);
    this.node(newParent);
    return this.entry(this.store.link(this, n.ino, newParent.ino, newName));
  }

  async open(node: NodeRef, flags: OpenFlags): Promise<MountFile> {
    this.count('open');
    return this.opened(this.node(node), flags);
  }

  async create(parent: NodeRef, name: string, mode: number, flags: OpenFlags & { exclusive: boolean }): Promise<{ entry: EntryInfo; file: MountFile }> {
    this.count('create');
    this.node(parent);
    const existing = this.store.child(parent.ino, name);
    if (existing && flags.exclusive) throw fail('EEXIST');
    const n = existing ?? this.store.make(this, parent.ino, name, 'file', mode, this.owner);
    const file = this.opened(n, flags);
    return { entry: this.entry(n), file };
  }

  /** Extended attributes, kept per inode here and never shared (the cluster's are tested on the real backend). */
  private readonly xattrs = new Map<number, Map<string, Buffer>>();

  async getxattr(node: NodeRef, name: string): Promise<Buffer> {
    this.node(node);
    const v = this.xattrs.get(node.ino)?.get(name);
    if (!v) throw fail('ENODATA');
    return v;
  }

  async listxattr(node: NodeRef): Promise<string[]> {
    this.node(node);
    return [...(this.xattrs.get(node.ino)?.keys() ?? [])];
  }

  async setxattr(node: NodeRef, name: string, value: Buffer, flags: number): Promise<void> {
    this.node(node);
    let m = this.xattrs.get(node.ino);
    if (!m) this.xattrs.set(node.ino, (m = new Map<string, Buffer>()));
    if (flags & 1 && m.has(name)) throw fail('EEXIST');
    if (flags & 2 && !m.has(name)) throw fail('ENODATA');
    m.set(name, Buffer.from(value));
  }

  async removexattr(node: NodeRef, name: string): Promise<void> {
    this.node(node);
    if (!this.xattrs.get(node.ino)?.delete(name)) throw fail('ENODATA');
  }

  private get locks(): LockTable {
    let l = lockTables.get(this.store);
    if (!l) lockTables.set(this.store, (l = new LockTable()));
    return l;
  }

  private async locked(ino: number, take: () => void, wait: boolean, signal?: AbortSignal): Promise<void> {
    for (;;) {
      try {
        return take();
      } catch (err) {
        if (!wait || (err as { code?: string }).code !== 'EAGAIN') throw err;
      }
      if (signal?.aborted) throw fail('EINTR');
      await this.locks.changed(ino, 1000, signal);
    }
  }

  async setlk(node: NodeRef, owner: bigint, lock: BackendLock, wait: boolean, signal?: AbortSignal): Promise<void> {
    this.node(node);
    await this.locked(node.ino, () => this.locks.setRange(node.ino, { ...lock, owner: `${this.id}:${owner}`, conn: this.id }), wait, signal);
  }

  async getlk(node: NodeRef, owner: bigint, lock: BackendLock): Promise<BackendLock> {
    this.node(node);
    const h = this.locks.conflict(node.ino, { owner: `${this.id}:${owner}`, type: lock.type as 0 | 1, start: lock.start, end: lock.end });
    return h ? { type: h.type, start: h.start, end: h.end, pid: h.pid } : { ...lock, type: 2 };
  }

  async flock(node: NodeRef, owner: bigint, op: 'sh' | 'ex' | 'un', wait: boolean, signal?: AbortSignal): Promise<void> {
    this.node(node);
    await this.locked(node.ino, () => this.locks.setFlock(node.ino, `${this.id}:${owner}`, this.id, op === 'un' ? null : op), wait, signal);
  }

  async unlock(node: NodeRef, owner: bigint, kind: 'posix' | 'flock'): Promise<void> {
    this.locks.releaseOwner(node.ino, `${this.id}:${owner}`, kind);
  }

  async access(node: NodeRef): Promise<void> {
    this.count('access');
    this.node(node);
  }

  async statfs(): Promise<StatFs> {
    this.count('statfs');
    return { blockSize: 4096, capacity: 2 ** 40, used: 2 ** 30, free: 2 ** 40 - 2 ** 30, files: this.store.counts().inodes };
  }

  onInvalidate(listener: (change: Invalidation) => void | Promise<void>): void {
    this.invalidationListeners.push(listener);
  }

  onChannel(listener: (up: boolean) => void): void {
    this.channelListeners.push(listener);
  }

  close(): void {
    this.closed = true;
  }

  private opened(n: MemInode, flags: OpenFlags): MountFile {
    if (n.entries && flags.write) throw fail('EISDIR');
    // O_TRUNC empties the file whatever the access mode (Linux does so for O_RDONLY too)
    if (flags.truncate && n.size > 0) {
      this.store.truncate(n, 0);
      this.store.publish(this, n);
    }
    n.holds++;
    return new MemFile(this, n, flags);
  }

  /** A write arrived, of this many bytes. */
  wrote(bytes: number): void {
    this.writeSizes.push(bytes);
  }
}

/** The largest size a memory file answers (the layer holds fallocate and copy_file_range to it; writes are not checked). */
const MEM_MAX_SIZE = 1 << 30;

/** An open file: writes go straight into the inode; others hear of them at flush (a commit). */
class MemFile implements MountFile {
  private closed = false;
  private dirty = false;

  constructor(
    private readonly session: MemSession,
    private readonly n: MemInode,
    readonly flags: OpenFlags,
  ) {}

  get ino(): number {
    return this.n.ino;
  }

  private check(write: boolean): void {
    if (this.closed) throw fail('EBADF', 'closed');
    if (write ? !this.flags.write : !this.flags.read) throw fail('EBADF');
  }

  async readInto(pos: number, dst: Buffer): Promise<number> {
    this.check(false);
    this.session.count('read');
    if (pos >= this.n.size) return 0;
    return this.n.data.copy(dst, 0, pos, Math.min(this.n.size, pos + dst.length));
  }

  async write(pos: number, data: Buffer): Promise<number> {
    this.check(true);
    this.session.wrote(data.length);
    this.session.store.write(this.n, this.flags.append ? this.n.size : pos, data);
    this.dirty = true;
    return data.length;
  }

  readonly maxSize = MEM_MAX_SIZE;

  async zero(pos: number, length: number): Promise<void> {
    this.check(true);
    this.session.store.write(this.n, pos, Buffer.alloc(length));
    this.dirty = true;
  }

  async truncate(size: number): Promise<void> {
    if (!this.flags.write) throw fail('EINVAL');
    this.check(true);
    this.session.store.truncate(this.n, size);
    this.session.store.publish(this.session, this.n);
  }

  async flush(): Promise<void> {
    if (this.closed) throw fail('EBADF');
    if (!this.dirty) return;
    this.dirty = false;
    this.session.store.publish(this.session, this.n);
  }

  fsync(): Promise<void> {
    return this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.session.store.release(this.n);
  }

  getattr(): Attr {
    return this.session.store.attr(this.n);
  }
}
