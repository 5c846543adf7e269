// The tree of inodes: directories, files, symlinks and special files (FIFOs, sockets,
// devices). Pure state; permission checks and validation live in the service, persistence
// in the journal.
import { TYPE_BITS, type Attr, type FileType } from '../protocol/types.js';
import type { BlockMap } from './block-map.js';
import { addOverlay, objectsOf, type BlockRef } from './block-overlays.js';
import type { BlockPlacement } from './records.js';

export type { BlockRef } from './block-overlays.js';

export interface Inode {
  ino: number;
  type: FileType;
  /** Permission bits only (07777); the type bits are added in `attrOf`. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  atime: number;
  mtime: number;
  ctime: number;
  replicas: number;
  /** Directories: name → ino. */
  entries?: Map<string, number>;
  /** Directories: the parent directory's ino (the root is its own parent). */
  parent?: number;
  /** Symlinks. */
  target?: string;
  /** Files: block list; null is a hole that reads as zeros. */
  blocks?: (BlockRef | null)[];
  /** Files: the data key wrapped under the master key. */
  key?: string;
  /** Extended attributes: name → value, base64 (a plain object, so that a snapshot keeps it as it is). */
  xattrs?: Record<string, string>;
  /** Character and block devices: the device number (Linux's dev_t). */
  rdev?: number;
}

export const ROOT_INO = 1;

/** An empty directory of root's under the root (the root itself, the trash), made by the master, not by a record's mknod. */
export function systemDir(ino: number, mode: number, replicas: number, time: number): Inode {
  return { ino, type: 'dir', mode, uid: 0, gid: 0, nlink: 2, size: 0, atime: time, mtime: time, ctime: time, replicas, entries: new Map(), parent: ROOT_INO };
}

export function attrOf(n: Inode): Attr {
  const a: Attr = {
    ino: n.ino,
    type: n.type,
    mode: TYPE_BITS[n.type] | n.mode,
    nlink: n.nlink,
    uid: n.uid,
    gid: n.gid,
    size: n.size,
    atime: n.atime,
    mtime: n.mtime,
    ctime: n.ctime,
    replicas: n.replicas,
  };
  if (n.rdev) a.rdev = n.rdev;
  return a;
}

export class Namespace {
  /** Overlays laid over blocks since start-up, replayed ones too (a test's probe that small writes go as overlays). */
  overlaysLaid = 0;
  readonly inodes = new Map<number, Inode>();
  nextIno = ROOT_INO + 1;

  constructor(private readonly blocks: BlockMap) {}

  initRoot(time: number, replicas: number): void {
    if (this.inodes.has(ROOT_INO)) return;
    this.inodes.set(ROOT_INO, systemDir(ROOT_INO, 0o1777, replicas, time));
  }

  get(ino: number): Inode | undefined {
    return this.inodes.get(ino);
  }

  mknod(n: Omit<Inode, 'nlink' | 'size' | 'atime' | 'mtime' | 'ctime'> & { time: number; name: string; parentIno: number }): void {
    const dir = this.mustDir(n.parentIno);
    const node: Inode = {
      ino: n.ino,
      type: n.type,
      mode: n.mode,
      uid: n.uid,
      gid: n.gid,
      nlink: n.type === 'dir' ? 2 : 1,
      size: n.type === 'symlink' ? Buffer.byteLength(n.target ?? '') : 0,
      atime: n.time,
      mtime: n.time,
      ctime: n.time,
      replicas: n.replicas,
    };
    if (n.type === 'dir') {
      node.entries = new Map();
      node.parent = dir.ino;
      dir.nlink++;
    } else if (n.type === 'symlink') node.target = n.target;
    else if (n.type === 'file') {
      node.blocks = [];
      node.key = n.key;
    } else if (n.rdev) node.rdev = n.rdev; // FIFOs, sockets and devices hold no data
    this.inodes.set(node.ino, node);
    dir.entries!.set(n.name, node.ino);
    dir.mtime = dir.ctime = n.time;
    if (n.ino >= this.nextIno) this.nextIno = n.ino + 1;
  }

  link(ino: number, parent: number, name: string, time: number): void {
    const dir = this.mustDir(parent);
    const node = this.inodes.get(ino)!;
    node.nlink++;
    node.ctime = time;
    dir.entries!.set(name, ino);
    dir.mtime = dir.ctime = time;
  }

  /**
   * Removes a name; the inode goes when its last name does, unless `keep` (a client holds it
   * open): then it lives on as an orphan, in no directory, until `forget`.
   */
  unlink(parent: number, name: string, time: number, keep = false): void {
    const dir = this.mustDir(parent);
    const ino = dir.entries!.get(name);
    if (ino === undefined) return;
    dir.entries!.delete(name);
    dir.mtime = dir.ctime = time;
    const node = this.inodes.get(ino)!;
    if (node.type === 'dir') {
      dir.nlink--;
      this.drop(node);
      return;
    }
    node.nlink--;
    node.ctime = time;
    if (node.nlink <= 0 && !keep) this.drop(node);
  }

  /** An orphan (a file whose last name went while it was open) is let go when nobody holds it. */
  forget(ino: number): void {
    const node = this.inodes.get(ino);
    if (node && node.type !== 'dir' && node.nlink <= 0) this.drop(node);
  }

  /** Files with no name left that are kept for the clients holding them open. */
  orphans(): Inode[] {
    const out: Inode[] = [];
    for (const n of this.inodes.values()) if (n.type !== 'dir' && n.nlink <= 0) out.push(n);
    return out;
  }

  /** `keep`: a name replaced at the target whose file a client holds stays as an orphan (see unlink). */
  rename(from: number, fromName: string, to: number, toName: string, time: number, keep = false): void {
    const src = this.mustDir(from);
    const dst = this.mustDir(to);
    const ino = src.entries!.get(fromName);
    if (ino === undefined) return;
    const existing = dst.entries!.get(toName);
    if (existing === ino) return;
    if (existing !== undefined) this.unlink(to, toName, time, keep);
    src.entries!.delete(fromName);
    dst.entries!.set(toName, ino);
    const node = this.inodes.get(ino)!;
    if (node.type === 'dir' && from !== to) {
      src.nlink--;
      dst.nlink++;
      node.parent = to;
    }
    node.ctime = time;
    src.mtime = src.ctime = dst.mtime = dst.ctime = time;
  }

  setattr(ino: number, a: { mode?: number; uid?: number; gid?: number; atime?: number; mtime?: number; replicas?: number }, time: number): void {
    const node = this.inodes.get(ino);
    if (!node) return;
    if (a.mode !== undefined) node.mode = a.mode & 0o7777;
    if (a.uid !== undefined) node.uid = a.uid;
    if (a.gid !== undefined) node.gid = a.gid;
    if (a.atime !== undefined) node.atime = a.atime;
    if (a.mtime !== undefined) node.mtime = a.mtime;
    if (a.replicas !== undefined) node.replicas = a.replicas;
    node.ctime = time;
  }

  /** Sets (or, with no value, removes) an extended attribute. */
  setXattr(ino: number, name: string, value: string | undefined, time: number): void {
    const node = this.inodes.get(ino);
    if (!node) return;
    if (value === undefined) {
      if (node.xattrs) delete node.xattrs[name];
      if (node.xattrs && Object.keys(node.xattrs).length === 0) delete node.xattrs;
    } else {
      (node.xattrs ??= {})[name] = value;
    }
    node.ctime = time;
  }

  /**
   * Replaces block slots, or lays overlays over them (placements with `pages`), and sets the
   * size; slots past the new end are dropped.
   */
  commit(ino: number, size: number, placed: BlockPlacement[], blockSize: number, time: number): void {
    const node = this.inodes.get(ino);
    if (!node || node.type !== 'file') return;
    const list = node.blocks!;
    for (const p of placed) {
      const old = list[p.index];
      this.blocks.ref(p.id, p.size, p.nodes);
      if (p.pages && old) {
        this.overlaysLaid++;
        for (const gone of addOverlay(old, { id: p.id, size: p.size, pages: p.pages })) this.blocks.unref(gone);
        continue;
      }
      if (old) for (const o of objectsOf(old)) this.blocks.unref(o.id);
      while (list.length < p.index) list.push(null);
      list[p.index] = { id: p.id, size: p.size };
    }
    const keep = Math.ceil(size / blockSize);
    for (let i = keep; i < list.length; i++) {
      const old = list[i];
      if (old) for (const o of objectsOf(old)) this.blocks.unref(o.id);
    }
    list.length = Math.min(list.length, keep);
    node.size = size;
    node.mtime = node.ctime = time;
  }

  private drop(node: Inode): void {
    this.inodes.delete(node.ino);
    for (const b of node.blocks ?? []) if (b) for (const o of objectsOf(b)) this.blocks.unref(o.id);
  }

  private mustDir(ino: number): Inode {
    const d = this.inodes.get(ino);
    if (!d || d.type !== 'dir') throw new Error(`journal names directory ${ino}, which is not one`);
    return d;
  }
}
