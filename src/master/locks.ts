// File locks granted by the master, so that mounts of one cluster exclude each other as
// processes on one machine do: flock(2) locks (shared or exclusive, per open file
// description) and POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK and OFD locks: byte
// ranges per owner, read or write, a new lock of an owner replacing what it held of the
// range). An owner is a mount's own id with the kernel's lock owner. Locks are held by the
// connection: when it closes (the mount is gone or cut off) they go, a lease a dead client
// cannot keep; they are not journaled, so a master restart frees every lock.
import { DfsError } from '../rpc/errors.js';

export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

/** A byte range lock; `end` is inclusive (Infinity: to the end of the file, and beyond). */
export interface RangeLock {
  owner: string;
  /** The connection that holds it (when it closes, the lock goes). */
  conn: string;
  type: typeof F_RDLCK | typeof F_WRLCK;
  start: number;
  end: number;
  pid: number;
}

interface FlockHold {
  conn: string;
  exclusive: boolean;
}

interface InodeLocks {
  ranges: RangeLock[];
  flocks: Map<string, FlockHold>;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start <= b.end && b.start <= a.end;

export class LockTable {
  private readonly byIno = new Map<number, InodeLocks>();
  /** Waiters per inode, woken to try again when a lock on it goes. */
  private readonly waiters = new Map<number, Set<() => void>>();

  private locks(ino: number): InodeLocks {
    let l = this.byIno.get(ino);
    if (!l) this.byIno.set(ino, (l = { ranges: [], flocks: new Map() }));
    return l;
  }

  /** The lock of another owner that keeps `want` from being granted, if any. */
  conflict(ino: number, want: Omit<RangeLock, 'conn' | 'pid'>): RangeLock | undefined {
    return this.byIno.get(ino)?.ranges.find((h) => h.owner !== want.owner && overlaps(h, want) && (h.type === F_WRLCK || want.type === F_WRLCK));
  }

  /** Takes (or with F_UNLCK drops) a range lock at once; EAGAIN when another owner's lock is in the way. */
  setRange(ino: number, lock: Omit<RangeLock, 'type'> & { type: number }): void {
    if (lock.type !== F_UNLCK && this.conflict(ino, lock as RangeLock)) throw new DfsError('EAGAIN', 'the range is locked by another owner');
    const l = this.locks(ino);
    // the owner's locks over the range give way to the new one (split at its edges)
    const kept: RangeLock[] = [];
    for (const h of l.ranges) {
      if (h.owner !== lock.owner || !overlaps(h, lock)) {
        kept.push(h);
        continue;
      }
      if (h.start < lock.start) kept.push({ ...h, end: lock.start - 1 });
      if (h.end > lock.end) kept.push({ ...h, start: lock.end + 1 });
    }
    if (lock.type !== F_UNLCK) kept.push(lock as RangeLock);
    l.ranges = kept;
    this.tidy(ino);
  }

  /** flock(2) on one open file description (`owner`): shared, exclusive, or (`null`) none. */
  setFlock(ino: number, owner: string, conn: string, want: 'sh' | 'ex' | null): void {
    const l = this.locks(ino);
    if (want === null) {
      l.flocks.delete(owner);
      this.tidy(ino);
      return;
    }
    for (const [o, h] of l.flocks) {
      if (o !== owner && (h.exclusive || want === 'ex')) throw new DfsError('EAGAIN', 'the file is locked by another owner');
    }
    l.flocks.set(owner, { conn, exclusive: want === 'ex' });
  }

  /** Everything `owner` holds on `ino` of one kind goes (a close: POSIX locks; the last close of a description: its flock). */
  releaseOwner(ino: number, owner: string, kind: 'posix' | 'flock'): void {
    const l = this.byIno.get(ino);
    if (!l) return;
    if (kind === 'flock') l.flocks.delete(owner);
    else l.ranges = l.ranges.filter((h) => h.owner !== owner);
    this.tidy(ino);
  }

  /** A connection closed: its locks go. */
  dropConnection(conn: string): void {
    for (const [ino, l] of this.byIno) {
      l.ranges = l.ranges.filter((h) => h.conn !== conn);
      for (const [o, h] of l.flocks) if (h.conn === conn) l.flocks.delete(o);
      this.tidy(ino);
    }
  }

  /** Resolves when some lock on `ino` may have gone (or after `ms`, or when `signal` aborts). */
  changed(ino: number, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(ino) ?? new Set<() => void>();
      this.waiters.set(ino, set);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(ino) === set) this.waiters.delete(ino);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }

  /** Locks held on `ino` (tests, status). */
  held(ino: number): { ranges: readonly RangeLock[]; flocks: number } {
    const l = this.byIno.get(ino);
    return { ranges: l?.ranges ?? [], flocks: l?.flocks.size ?? 0 };
  }

  private tidy(ino: number): void {
    const l = this.byIno.get(ino);
    if (l && l.ranges.length === 0 && l.flocks.size === 0) this.byIno.delete(ino);
    for (const wake of [...(this.waiters.get(ino) ?? [])]) wake();
  }
}
