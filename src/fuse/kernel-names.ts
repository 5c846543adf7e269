// The directory entries the kernel may be caching, as this mount answered them: names that
// resolve to an inode, and names answered as absent (negative entries). While the channel
// to the master is up the master's invalidations keep them true; when it breaks, the mount
// must take every one of them back from the kernel (a name another mount renamed meanwhile
// would otherwise resolve to the old inode for the whole entry timeout), and only names can
// be taken back. An over-approximation is harmless (taking back a name the kernel no longer
// holds costs one notification); a name missing here would stay stale.
//
// Bounded: a name is dropped with the inode it names when the kernel forgets it (no dentry
// can point at a forgotten inode), and all the names under a directory when the kernel
// forgets the directory. Absent names point at nothing, so they are bounded by count.

/** A directory entry: the directory's inode and the name in it. */
export interface EntryName {
  parent: number;
  name: string;
}

/** Absent names are 0 in a directory's map; inode numbers start at 1. */
const ABSENT = 0;

const keyOf = (parent: number, name: string): string => `${parent}/${name}`;

function fromKey(key: string): EntryName {
  const slash = key.indexOf('/');
  return { parent: Number(key.slice(0, slash)), name: key.slice(slash + 1) };
}

export class KernelNames {
  private readonly byParent = new Map<number, Map<string, number>>();
  /** Each inode's names, so that they go when the kernel forgets it. */
  private readonly byChild = new Map<number, Set<string>>();
  /** Absent names and when the kernel lets them expire (ms), oldest first. */
  private readonly absent = new Map<string, number>();

  constructor(
    private readonly maxAbsent: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `name` in `parent` was answered as inode `ino`. */
  resolved(parent: number, name: string, ino: number): void {
    this.remove(parent, name);
    let names = this.byParent.get(parent);
    if (!names) this.byParent.set(parent, (names = new Map<string, number>()));
    names.set(name, ino);
    let keys = this.byChild.get(ino);
    if (!keys) this.byChild.set(ino, (keys = new Set()));
    keys.add(keyOf(parent, name));
  }

  /**
   * `name` in `parent` is about to be answered as absent for `seconds`. False when too many
   * absent names are tracked already: then it must not be cached for long.
   */
  absentFor(parent: number, name: string, seconds: number): boolean {
    const now = this.now();
    if (this.absent.size >= this.maxAbsent) {
      for (const [key, expires] of this.absent) {
        if (expires > now) break;
        const e = fromKey(key);
        this.remove(e.parent, e.name);
      }
      if (this.absent.size >= this.maxAbsent) return false;
    }
    this.remove(parent, name);
    let names = this.byParent.get(parent);
    if (!names) this.byParent.set(parent, (names = new Map<string, number>()));
    names.set(name, ABSENT);
    this.absent.set(keyOf(parent, name), now + seconds * 1000);
    return true;
  }

  /** The kernel holds `name` no more (removed through this mount, or taken back). */
  remove(parent: number, name: string): void {
    const names = this.byParent.get(parent);
    const ino = names?.get(name);
    if (ino === undefined) return;
    names!.delete(name);
    if (names!.size === 0) this.byParent.delete(parent);
    const key = keyOf(parent, name);
    if (ino === ABSENT) {
      this.absent.delete(key);
      return;
    }
    const keys = this.byChild.get(ino);
    keys?.delete(key);
    if (keys?.size === 0) this.byChild.delete(ino);
  }

  /** A rename through this mount: the kernel moved its entry (the target's is replaced). */
  renamed(parent: number, name: string, newParent: number, newName: string): void {
    const ino = this.byParent.get(parent)?.get(name);
    this.remove(parent, name);
    this.remove(newParent, newName);
    if (ino !== undefined && ino !== ABSENT) this.resolved(newParent, newName, ino);
  }

  /** RENAME_EXCHANGE through this mount: the two names swapped inodes. */
  exchanged(parent: number, name: string, newParent: number, newName: string): void {
    const a = this.byParent.get(parent)?.get(name);
    const b = this.byParent.get(newParent)?.get(newName);
    this.remove(parent, name);
    this.remove(newParent, newName);
    if (b !== undefined && b !== ABSENT) this.resolved(parent, name, b);
    if (a !== undefined && a !== ABSENT) this.resolved(newParent, newName, a);
  }

  /** The kernel forgot inode `ino`: no entry names it, and none is left under it. */
  forgotten(ino: number): void {
    for (const key of this.byChild.get(ino) ?? []) {
      const e = fromKey(key);
      this.remove(e.parent, e.name);
    }
    this.byChild.delete(ino);
    for (const name of [...(this.byParent.get(ino)?.keys() ?? [])]) this.remove(ino, name);
  }

  /** Every name tracked, and forgets them all: the caller takes them back from the kernel. */
  takeAll(): EntryName[] {
    const all: EntryName[] = [];
    for (const [parent, names] of this.byParent) for (const name of names.keys()) all.push({ parent, name });
    this.byParent.clear();
    this.byChild.clear();
    this.absent.clear();
    return all;
  }

  /** Names tracked: [resolved, absent]. */
  get counts(): [number, number] {
    let all = 0;
    for (const names of this.byParent.values()) all += names.size;
    return [all - this.absent.size, this.absent.size];
  }
}
