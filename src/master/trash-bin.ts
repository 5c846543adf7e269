// The trash's state: removed files and directories kept, whole, in one hidden directory
// until the master purges them (as JuiceFS's `.trash`, MooseFS's trash and HDFS's .Trash).
// Pure state, changed only by the records `mktrash`, `trash`, `restore` and `purge`
// (records.ts); the service that checks who may do what is trash-service.ts.
//
// The trash directory is an inode of its own that no directory lists: `/.trash` reaches it
// by path (resolve.ts), `ls /` never shows it, and its entries are the removed
// items under the name `<ino>-<name>`, each with a TrashEntry saying where it was.
import { DEFAULTS } from '../defaults.js';
import type { Namespace, Inode } from './namespace.js';
import { ROOT_INO, systemDir } from './namespace.js';

/** The name at the root that reaches the trash directory. */
export const TRASH_NAME = '.trash';
/** Root's, searchable by all, listable only by admins: a user finds their items with `dfs trash list`. */
const TRASH_MODE = 0o711;

export interface TrashEntry {
  /** The removed inode; also the item's id in `dfs trash`. */
  ino: number;
  /** Its name in the trash directory. */
  name: string;
  /** The directory it was removed from, and its name there. */
  parent: number;
  origName: string;
  /** Where it was, as a path, when removed (for people; a restore goes by `parent`). */
  path: string;
  /** Who removed it, and when (ms). */
  uid: number;
  time: number;
  /** Files and bytes it held when removed (a directory: its whole tree). */
  files: number;
  bytes: number;
}

/** `<ino>-<name>`, cut to the longest name a directory entry may have. */
export function trashName(ino: number, name: string): string {
  const full = `${ino}-${name}`;
  if (Buffer.byteLength(full) <= DEFAULTS.maxNameBytes) return full;
  let cut = full;
  while (Buffer.byteLength(cut) > DEFAULTS.maxNameBytes) cut = cut.slice(0, -1);
  return cut;
}

export class TrashBin {
  /** The trash directory's inode, once `mktrash` has made it. */
  dirIno?: number;
  /** Items by their name in the trash directory, oldest first (removal order). */
  readonly entries = new Map<string, TrashEntry>();
  /** ino → name in the trash directory. */
  private readonly names = new Map<number, string>();

  constructor(private readonly ns: Namespace) {}

  get dir(): Inode | undefined {
    return this.dirIno === undefined ? undefined : this.ns.get(this.dirIno);
  }

  byIno(ino: number): TrashEntry | undefined {
    const name = this.names.get(ino);
    return name === undefined ? undefined : this.entries.get(name);
  }

  /** Keeps an item's record (a snapshot's, or a `trash` record's). */
  keep(entry: TrashEntry): void {
    this.entries.set(entry.name, entry);
    this.names.set(entry.ino, entry.name);
  }

  private forget(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    this.names.delete(e.ino);
  }

  /** Whether directory `dir` is the trash or lies inside it (a directory removed whole). */
  holds(dir: Inode): boolean {
    if (this.dirIno === undefined) return false;
    let cur: Inode | undefined = dir;
    while (cur) {
      if (cur.ino === this.dirIno) return true;
      if (cur.ino === ROOT_INO || cur.parent === undefined) return false;
      cur = this.ns.get(cur.parent);
    }
    return false;
  }

  makeDir(ino: number, time: number): void {
    if (this.dirIno !== undefined) return;
    this.ns.inodes.set(ino, systemDir(ino, TRASH_MODE, this.ns.get(ROOT_INO)?.replicas ?? 1, time));
    if (ino >= this.ns.nextIno) this.ns.nextIno = ino + 1;
    this.dirIno = ino;
  }

  /** Moves `parent/name` into the trash as `entry.name`. */
  put(entry: TrashEntry, time: number): void {
    if (this.dirIno === undefined) return;
    this.ns.rename(entry.parent, entry.origName, this.dirIno, entry.name, time);
    this.keep(entry);
  }

  /** Moves a trash item back into the tree, as `to/toName`. */
  restore(name: string, to: number, toName: string, time: number): void {
    if (this.dirIno === undefined || !this.entries.has(name)) return;
    this.ns.rename(this.dirIno, name, to, toName, time);
    this.forget(name);
  }

  /**
   * Removes `parent/name` for good, with everything under it: a file goes when its last
   * name does (hard links elsewhere keep it), its blocks become garbage.
   */
  purge(parent: number, name: string, time: number): void {
    const dir = this.ns.get(parent);
    const ino = dir?.entries?.get(name);
    if (ino === undefined) return;
    const node = this.ns.get(ino);
    if (node?.type === 'dir') this.emptyTree(node, time);
    this.ns.unlink(parent, name, time);
    if (parent === this.dirIno) this.forget(name);
  }

  /** Unlinks everything below `dir`, deepest first, without a recursion as deep as the tree. */
  private emptyTree(top: Inode, time: number): void {
    const stack: Inode[] = [top];
    const order: Inode[] = [];
    while (stack.length) {
      const d = stack.pop()!;
      order.push(d);
      for (const ino of d.entries!.values()) {
        const child = this.ns.get(ino);
        if (child?.type === 'dir') stack.push(child);
      }
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const d = order[i];
      for (const name of [...d.entries!.keys()]) this.ns.unlink(d.ino, name, time);
    }
  }
}

/** Files and bytes in `node` and, for a directory, everything under it. */
export function treeSize(ns: Namespace, node: Inode): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'dir') {
      for (const ino of n.entries!.values()) {
        const child = ns.get(ino);
        if (child) stack.push(child);
      }
    } else {
      files++;
      if (n.type === 'file') bytes += n.size;
    }
  }
  return { files, bytes };
}
