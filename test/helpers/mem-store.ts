// The namespace behind the in-memory MountBackend (mem-backend.ts): inodes with link counts,
// directories, symbolic links and file data kept whole, open-file holds that keep an inode
// with no name left alive (an orphan) until its last close, and the fan-out of changes: each
// change says what it touched, and every other session whose channel is up hears it, as the
// master's invalidations would reach it (native-notes/mount-by-inode.md). Sessions are the
// mounts, and the "remote" side a test changes things through.
import { TYPE_BITS, type Attr, type FileType } from '../../src/protocol/types.js';
import type { Invalidation } from '../../src/client/mount-api.js';
import { DfsError, type Errno } from '../../src/rpc/errors.js';

const S_IFDIR = TYPE_BITS.dir;
const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const NAME_MAX = 255;

export const fail = (code: Errno, what?: string): DfsError => new DfsError(code, what);

export interface MemInode {
  ino: number;
  type: FileType;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  data: Buffer;
  size: number;
  target?: string;
  entries?: Map<string, number>;
  parent: number;
  atime: number;
  mtime: number;
  ctime: number;
  /** Open files on it, in every session. */
  holds: number;
}

/** Who hears a change: each session but the one that made it. */
export interface StoreListener {
  heard(changes: Invalidation[]): void;
}

const inode = (ino: number): Invalidation => ({ kind: 'inode', ino });
const entry = (parent: number, name: string): Invalidation => ({ kind: 'entry', parent, name });

export class MemStore {
  private readonly inodes = new Map<number, MemInode>();
  private nextIno = 2;
  private readonly listeners = new Set<StoreListener>();
  /** Writes made visible (commits): flushes and closes of written files, truncates. */
  published = 0;

  /** `pageSize`: entries a readdir page holds. */
  constructor(readonly pageSize = 64) {
    const t = Date.now();
    this.inodes.set(1, {
      ino: 1,
      type: 'dir',
      mode: S_IFDIR | 0o755,
      nlink: 2,
      uid: 0,
      gid: 0,
      data: Buffer.alloc(0),
      size: 0,
      entries: new Map(),
      parent: 1,
      atime: t,
      mtime: t,
      ctime: t,
      holds: 0,
    });
  }

  listen(l: StoreListener): void {
    this.listeners.add(l);
  }

  /** Tells every session but `by` what a change touched. */
  changed(by: StoreListener | undefined, changes: Invalidation[]): void {
    for (const l of this.listeners) if (l !== by) l.heard(changes);
  }

  get(ino: number): MemInode {
    const n = this.inodes.get(ino);
    if (!n) throw fail('ESTALE', `no inode ${ino}`);
    return n;
  }

  dir(ino: number): MemInode {
    const n = this.get(ino);
    if (!n.entries) throw fail('ENOTDIR');
    return n;
  }

  attr(n: MemInode): Attr {
    return {
      ino: n.ino,
      type: n.type,
      mode: n.mode,
      nlink: n.nlink,
      uid: n.uid,
      gid: n.gid,
      size: n.entries ? 4096 : n.size,
      atime: n.atime,
      mtime: n.mtime,
      ctime: n.ctime,
      replicas: 1,
    };
  }

  /** Inodes kept, and those among them that have no name left (kept by open files). */
  counts(): { inodes: number; orphans: number; holds: number } {
    let orphans = 0;
    let holds = 0;
    for (const n of this.inodes.values()) {
      if (n.nlink === 0) orphans++;
      holds += n.holds;
    }
    return { inodes: this.inodes.size, orphans, holds };
  }

  child(dir: number, name: string): MemInode | undefined {
    const ino = this.dir(dir).entries!.get(name);
    return ino === undefined ? undefined : this.inodes.get(ino);
  }

  private checkName(name: string): void {
    if (Buffer.byteLength(name) > NAME_MAX) throw fail('ENAMETOOLONG');
  }

  private touch(...nodes: MemInode[]): void {
    const t = Date.now();
    for (const n of nodes) n.mtime = n.ctime = t;
  }

  /** A new inode named `name` in `dir`. */
  make(by: StoreListener | undefined, dir: number, name: string, type: FileType, mode: number, owner: { uid: number; gid: number }, target?: string): MemInode {
    this.checkName(name);
    const d = this.dir(dir);
    if (d.entries!.has(name)) throw fail('EEXIST');
    const t = Date.now();
    const kind = TYPE_BITS[type];
    const n: MemInode = {
      ino: this.nextIno++,
      type,
      mode: kind | (mode & 0o7777),
      nlink: type === 'dir' ? 2 : 1,
      uid: owner.uid,
      gid: owner.gid,
      data: Buffer.alloc(0),
      size: target === undefined ? 0 : Buffer.byteLength(target),
      target,
      entries: type === 'dir' ? new Map() : undefined,
      parent: dir,
      atime: t,
      mtime: t,
      ctime: t,
      holds: 0,
    };
    this.inodes.set(n.ino, n);
    d.entries!.set(name, n.ino);
    if (type === 'dir') d.nlink++;
    this.touch(d);
    this.changed(by, [entry(dir, name), inode(dir)]);
    return n;
  }

  link(by: StoreListener | undefined, ino: number, dir: number, name: string): MemInode {
    this.checkName(name);
    const n = this.get(ino);
    if (n.entries) throw fail('EPERM');
    const d = this.dir(dir);
    if (d.entries!.has(name)) throw fail('EEXIST');
    d.entries!.set(name, ino);
    n.nlink++;
    n.ctime = Date.now();
    this.touch(d);
    this.changed(by, [entry(dir, name), inode(dir), inode(ino)]);
    return n;
  }

  /** unlink and rmdir: `wantDir` says which. */
  remove(by: StoreListener | undefined, dir: number, name: string, wantDir: boolean): void {
    const d = this.dir(dir);
    const n = this.child(dir, name);
    if (!n) throw fail('ENOENT');
    if (wantDir && !n.entries) throw fail('ENOTDIR');
    if (!wantDir && n.entries) throw fail('EISDIR');
    if (n.entries?.size) throw fail('ENOTEMPTY');
    d.entries!.delete(name);
    if (n.entries) d.nlink--;
    this.touch(d);
    this.dropLink(n);
    this.changed(by, [entry(dir, name), inode(dir), inode(n.ino)]);
  }

  rename(by: StoreListener | undefined, dir: number, name: string, newDir: number, newName: string, flags: number): void {
    this.checkName(newName);
    const from = this.dir(dir);
    const to = this.dir(newDir);
    const n = this.child(dir, name);
    if (!n) throw fail('ENOENT');
    const victim = this.child(newDir, newName);
    if (n.entries && this.isUnder(newDir, n.ino)) throw fail('EINVAL', 'a directory cannot move under itself');
    const touched = [entry(dir, name), entry(newDir, newName), inode(dir), inode(newDir), inode(n.ino)];
    if (flags & RENAME_EXCHANGE) {
      if (!victim) throw fail('ENOENT');
      if (victim.entries && this.isUnder(dir, victim.ino)) throw fail('EINVAL');
      from.entries!.set(name, victim.ino);
      to.entries!.set(newName, n.ino);
      if (n.entries) n.parent = newDir;
      if (victim.entries) victim.parent = dir;
      this.touch(from, to);
      n.ctime = victim.ctime = Date.now();
      this.changed(by, [...touched, inode(victim.ino)]);
      return;
    }
    if (victim === n) return;
    if (victim) {
      if (flags & RENAME_NOREPLACE) throw fail('EEXIST');
      if (victim.entries && !n.entries) throw fail('EISDIR');
      if (!victim.entries && n.entries) throw fail('ENOTDIR');
      if (victim.entries?.size) throw fail('ENOTEMPTY');
      if (victim.entries) to.nlink--;
      this.dropLink(victim);
      touched.push(inode(victim.ino));
    }
    from.entries!.delete(name);
    to.entries!.set(newName, n.ino);
    if (n.entries && from !== to) {
      from.nlink--;
      to.nlink++;
      n.parent = newDir;
    }
    n.ctime = Date.now();
    this.touch(from, to);
    this.changed(by, touched);
  }

  /** An open file lets go of its inode: an orphan goes with its last hold. */
  release(n: MemInode): void {
    n.holds--;
    this.freeIfUnreachable(n);
  }

  private dropLink(n: MemInode): void {
    n.nlink = n.entries ? 0 : n.nlink - 1;
    n.ctime = Date.now();
    this.freeIfUnreachable(n);
  }

  private freeIfUnreachable(n: MemInode): void {
    if (n.nlink <= 0 && n.holds <= 0 && n.ino !== 1) this.inodes.delete(n.ino);
  }

  private isUnder(dir: number, ancestor: number): boolean {
    for (let d = dir; ; d = this.get(d).parent) {
      if (d === ancestor) return true;
      if (d === 1) return false;
    }
  }

  setattr(by: StoreListener | undefined, n: MemInode, u: { mode?: number; uid?: number; gid?: number; atime?: number | 'now'; mtime?: number | 'now' }): void {
    const t = Date.now();
    if (u.mode !== undefined) n.mode = (n.mode & ~0o7777) | (u.mode & 0o7777);
    if (u.uid !== undefined) n.uid = u.uid;
    if (u.gid !== undefined) n.gid = u.gid;
    if (u.atime !== undefined) n.atime = u.atime === 'now' ? t : u.atime;
    if (u.mtime !== undefined) n.mtime = u.mtime === 'now' ? t : u.mtime;
    n.ctime = t;
    this.changed(by, [inode(n.ino)]);
  }

  /** Writes `data` at `pos`; others hear of it when the writer publishes (`published`). */
  write(n: MemInode, pos: number, data: Uint8Array): void {
    const end = pos + data.length;
    if (end > n.data.length) {
      const grown = Buffer.alloc(Math.max(end, n.data.length * 2));
      n.data.copy(grown, 0, 0, n.size);
      n.data = grown;
    }
    n.data.set(data, pos);
    if (end > n.size) n.size = end;
    this.touch(n);
  }

  truncate(n: MemInode, size: number): void {
    if (size < n.size) n.data.fill(0, size, n.size);
    else if (size > n.data.length) this.write(n, size, Buffer.alloc(0));
    n.size = size;
    this.touch(n);
  }

  /** A writer made its changes to `n` visible (a commit). */
  publish(by: StoreListener | undefined, n: MemInode): void {
    this.published++;
    this.changed(by, [inode(n.ino)]);
  }

  /** A page of `dir`'s entries after `cursor` (a name), in name order. */
  page(dir: number, cursor: string | undefined): { names: [string, MemInode][]; cursor?: string } {
    const d = this.dir(dir);
    const names = [...d.entries!.keys()].filter((name) => cursor === undefined || name > cursor).sort();
    const page = names.slice(0, this.pageSize).map((name): [string, MemInode] => [name, this.get(d.entries!.get(name)!)]);
    return { names: page, cursor: names.length > this.pageSize ? page[page.length - 1][0] : undefined };
  }
}
