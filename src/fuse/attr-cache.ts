// The mount's attribute cache. The kernel's own stays off (attr_timeout=0, for close-to-open;
// see native-notes/fuse-options.md), so every stat reaches the daemon; this answers it from
// memory for a short while instead of asking the master each time. Entries are keyed by path,
// as libfuse's high-level API hands them over. Only positive answers are kept: a file another
// mount creates is visible at once. Changes made through this mount drop what they touch
// right away; changes made elsewhere show after at most the time to live.
import type { Attr } from '../protocol/types.js';

interface Entry {
  attr: Attr;
  expires: number;
  /** When it was stored, in the cache's own sequence (see dropTree). */
  seq: number;
}

/** The directory holding `p` ("/" for "/" itself). */
export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export class AttrCache {
  /** In the order stored (a store moves its key to the end), so the oldest are first. */
  private readonly byPath = new Map<string, Entry>();
  /** Every cached name of an inode: a change to the inode shows under each of its hard links. */
  private readonly byIno = new Map<number, Set<string>>();
  /** Cached names of non-directories with more than one link (see dropLinked). */
  private readonly linked = new Set<string>();
  /** Subtrees dropped lately: path → sequence at the drop; an entry stored before it is void. */
  private readonly treeDrops = new Map<string, { seq: number; at: number }>();
  private seq = 0;
  /** `seq` at the latest change made through this mount. */
  private changedAt = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where the cache stands; a fetch started before a change (or a fresher answer) must not fill. */
  get version(): number {
    return this.seq;
  }

  get size(): number {
    return this.byPath.size;
  }

  /** The attributes of `p` if they were stored less than a time to live ago. */
  get(p: string): Attr | undefined {
    const e = this.byPath.get(p);
    if (!e) return undefined;
    const now = this.now();
    if (e.expires <= now || this.droppedWithTree(p, e.seq, now)) {
      this.remove(p);
      return undefined;
    }
    return e.attr;
  }

  /**
   * Stores what a read (getattr, readdir) brought back, unless this mount changed something
   * since `version` was taken: the answer may predate that change.
   */
  fill(p: string, attr: Attr, version: number): void {
    if (version < this.changedAt) return;
    const e = this.byPath.get(p);
    if (e && e.seq > version) return; // a fresher answer for p came in while this one travelled
    this.store(p, attr);
  }

  /**
   * Stores what the master answered to a request that changed nothing (an open without
   * O_TRUNC): fresher than any fill still in flight for `p`, and, unlike set, no reason to
   * void the fills in flight for other names (an `ls -l` or a stat-ahead listing).
   */
  fresh(p: string, attr: Attr): void {
    this.dropNames(attr.ino);
    this.remove(p);
    this.store(p, attr);
  }

  /** Stores what the master answered to a change of `p` (open, create, chmod...): fresh by definition. */
  set(p: string, attr: Attr): void {
    this.changedAt = ++this.seq;
    this.dropNames(attr.ino);
    this.remove(p);
    this.store(p, attr);
  }

  /** Forgets `p` alone (a directory whose entries changed). */
  drop(p: string): void {
    this.changedAt = ++this.seq;
    this.remove(p);
  }

  /** Forgets every cached name of an inode (its size, times, links or mode changed). */
  dropInode(ino: number): void {
    this.changedAt = ++this.seq;
    this.dropNames(ino);
  }

  /**
   * Forgets `p` and every name its inode may have: the cached inode number's names, and, since
   * `p` may be a hard link whose inode this cache never saw under that name, every name of
   * every multiply-linked file (there are seldom many).
   */
  dropLinked(p: string): void {
    this.changedAt = ++this.seq;
    const e = this.byPath.get(p);
    if (e) this.dropNames(e.attr.ino);
    for (const name of [...this.linked]) this.remove(name);
    this.remove(p);
  }

  /**
   * Forgets `p` and everything below it (rename, rmdir) in constant time: entries under it are
   * found void when next read, by their ancestors' drop records.
   */
  dropTree(p: string): void {
    this.changedAt = ++this.seq;
    this.dropLinked(p);
    const now = this.now();
    this.treeDrops.delete(p); // keep the map in time order
    this.treeDrops.set(p, { seq: ++this.seq, at: now });
    this.pruneTreeDrops(now);
  }

  /** A name was made, removed or renamed: forgets it, everything below it, and its directory. */
  dropEntry(p: string): void {
    this.dropTree(p);
    this.drop(parentOf(p));
  }

  clear(): void {
    this.changedAt = ++this.seq;
    this.byPath.clear();
    this.byIno.clear();
    this.linked.clear();
    this.treeDrops.clear();
  }

  private store(p: string, attr: Attr): void {
    const now = this.now();
    this.remove(p);
    this.byPath.set(p, { attr, expires: now + this.ttlMs, seq: ++this.seq });
    let names = this.byIno.get(attr.ino);
    if (!names) this.byIno.set(attr.ino, (names = new Set()));
    names.add(p);
    if (attr.type !== 'dir' && attr.nlink > 1) this.linked.add(p);
    // the oldest entries are first: drop the expired ones, and the oldest beyond the bound
    for (const [oldest, e] of this.byPath) {
      if (e.expires > now && this.byPath.size <= this.maxEntries) break;
      this.remove(oldest);
    }
  }

  private remove(p: string): void {
    const e = this.byPath.get(p);
    if (!e) return;
    this.byPath.delete(p);
    this.linked.delete(p);
    const names = this.byIno.get(e.attr.ino);
    names?.delete(p);
    if (names?.size === 0) this.byIno.delete(e.attr.ino);
  }

  private dropNames(ino: number): void {
    const names = this.byIno.get(ino);
    if (names) for (const name of [...names]) this.remove(name);
  }

  /** Whether `p` or one of its ancestors was dropped as a tree after the entry was stored. */
  private droppedWithTree(p: string, seq: number, now: number): boolean {
    if (this.treeDrops.size === 0) return false;
    this.pruneTreeDrops(now);
    for (let q = p; ; q = parentOf(q)) {
      const d = this.treeDrops.get(q);
      if (d && d.seq > seq) return true;
      if (q === '/') return false;
    }
  }

  /** A drop older than the time to live cannot void anything: what it covered has expired. */
  private pruneTreeDrops(now: number): void {
    for (const [p, d] of this.treeDrops) {
      if (d.at + this.ttlMs > now) break;
      this.treeDrops.delete(p);
    }
  }
}
