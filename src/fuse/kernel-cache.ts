// What the kernel may cache, and for how long. While the channel to the master is up, the
// master's leases keep this mount's answers true (it pushes an invalidation when another
// session changes what was answered), so entries, attributes, absent names and file pages
// are cached long; the invalidations go on to the kernel here. When the channel breaks,
// nobody would say that something changed: everything the kernel was told is taken back,
// and answers are cached only briefly until the channel is back.
//
// An answer is cached long only when it is known to be covered: the channel stayed up from
// before the call until the answer, no invalidation of what it names came in meanwhile (one
// may overtake a directory page waiting in an open directory, or cross a reply), and the
// lease it came with has not mostly run out. `era()` is taken before the call for that.
//
// Notifications go to the kernel through the binding's notification thread and are never
// awaited: the kernel may need a lock that an unanswered request of this very mount holds,
// and that request may be the one waiting here (native-notes/lowlevel.md, "Notifications").
import type { Invalidation } from '../client/mount-api.js';
import { DEFAULTS } from '../defaults.js';
import { toDfsError } from '../rpc/errors.js';
import type { Log } from './errno.js';
import type { KernelNames } from './kernel-names.js';
import type { NegativeEntry } from './lowlevel-ops.js';
import type { NodeTable } from './node-table.js';

/** What the cache needs of the session: LowLevelSession's notifications. */
export interface KernelNotifier {
  notifyInvalInode(ino: number, offset?: number, length?: number): Promise<boolean>;
  notifyInvalEntry(parent: number, name: string): Promise<boolean>;
}

export interface CacheLimits {
  /** Seconds while the channel is up (the master's leases hold). */
  leased: number;
  /** Seconds while it is down, or when an answer may be stale. */
  unleased: number;
  /** Invalidations remembered to judge answers fetched before them. */
  recentChanges: number;
}

/** When an answer was asked for: see `KernelCache.era`. */
export interface Era {
  epoch: number;
  seq: number;
  at: number;
}

export interface CacheStats {
  channelUp: boolean;
  /** Invalidations the backend passed on, and notifications sent to the kernel. */
  heard: number;
  sentInodes: number;
  sentEntries: number;
  /** Times the channel broke. */
  breaks: number;
  /** Lookups answered absent without a call, in directories made here (knownAbsent). */
  knownAbsent: number;
}

const inodeKey = (ino: number): string => `i${ino}`;
/** Directories made here whose every name is known at most (a bound on memory, not on correctness). */
const MAX_LISTED = 10_000;
const entryKey = (parent: number, name: string): string => `e${parent}/${name}`;

export class KernelCache {
  private up = true;
  private epoch = 0;
  private seq = 0;
  /** Recent invalidations by what they named, oldest first, and the newest seq forgotten. */
  private readonly recent = new Map<string, number>();
  private forgottenSeq = 0;
  private notifier?: KernelNotifier;
  private readonly counters = { heard: 0, sentInodes: 0, sentEntries: 0, breaks: 0, knownAbsent: 0 };
  /**
   * Directories made through this mount, every name of which it knows: none at first, then
   * those it added itself. The master leases each to its maker (ino.mkdir), so a name added
   * elsewhere comes as an invalidation, which drops the listing: until then a lookup of any
   * other name is answered absent here, without a call (a new file's lookup before its create).
   */
  private readonly listed = new Map<number, { era: Era; names: Set<string> }>();

  constructor(
    private readonly nodes: NodeTable,
    private readonly names: KernelNames,
    private readonly limits: CacheLimits,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notifications go to `n` from now on (the session, once mounted). */
  attach(n: KernelNotifier): void {
    this.notifier = n;
  }

  /** Taken before a call to the backend; judges its answer. */
  era(): Era {
    return { epoch: this.epoch, seq: this.seq, at: this.now() };
  }

  /** How long the kernel may keep an answer about inode `ino` (and the entry naming it) asked for in `era`. */
  seconds(era: Era, ino: number, entry?: { parent: number; name: string }): number {
    if (!this.covered(era) || this.changedSince(era, inodeKey(ino))) return this.limits.unleased;
    if (entry && this.changedSince(era, entryKey(entry.parent, entry.name))) return this.limits.unleased;
    // the lease started when the master answered, at the latest now: what is left of it
    const left = this.limits.leased - (this.now() - era.at) / 1000;
    return Math.max(this.limits.unleased, left);
  }

  /** Timeouts of an entry for `name` in `parent` resolving to `ino`. */
  entryTimes(era: Era, ino: number, parent: number, name: string): { attrTimeout: number; entryTimeout: number } {
    const s = this.seconds(era, ino, { parent, name });
    return { attrTimeout: s, entryTimeout: s };
  }

  /** `name` in `parent` does not exist: an absent entry, cached long only when it can be taken back. */
  absent(era: Era, parent: number, name: string): NegativeEntry {
    const covered = this.covered(era) && !this.changedSince(era, entryKey(parent, name));
    if (covered && this.names.absentFor(parent, name, this.limits.leased)) return { ino: 0, entryTimeout: this.limits.leased };
    return { ino: 0, entryTimeout: this.limits.unleased };
  }

  /** Directory `dir`, searchable by everyone, was made through this mount in `era`: it is empty, and known to be until an invalidation says otherwise. */
  madeDir(era: Era, dir: number, mode: number): void {
    if (!this.covered(era) || (mode & 0o111) !== 0o111 || this.listed.size >= MAX_LISTED) return;
    this.listed.set(dir, { era, names: new Set() });
  }

  /** This mount added `name` to `parent` (present) or took it away. */
  named(parent: number, name: string, present: boolean): void {
    const l = this.listed.get(parent);
    if (present) l?.names.add(name);
    else l?.names.delete(name);
  }

  /** What this mount knew of directory `dir`'s names no longer holds (its mode changed here). */
  unlist(dir: number): void {
    this.listed.delete(dir);
  }

  /**
   * `name` in `parent` answered absent without a call, when this mount knows every name of
   * `parent` and the lease that keeps that true has more than half of it left; undefined when
   * the master must be asked.
   */
  knownAbsent(parent: number, name: string): NegativeEntry | undefined {
    const l = this.listed.get(parent);
    if (!l) return undefined;
    const left = this.limits.leased - (this.now() - l.era.at) / 1000;
    if (!this.covered(l.era) || this.changedSince(l.era, inodeKey(parent)) || this.changedSince(l.era, entryKey(parent, name)) || left < this.limits.leased / 2) {
      this.listed.delete(parent);
      return undefined;
    }
    // a name past NAME_MAX is the master's to refuse (ENAMETOOLONG), not absent
    if (l.names.has(name) || name === '.' || name === '..' || Buffer.byteLength(name) > DEFAULTS.maxNameBytes) return undefined;
    this.counters.knownAbsent++;
    if (!this.names.absentFor(parent, name, left)) return { ino: 0, entryTimeout: this.limits.unleased };
    return { ino: 0, entryTimeout: left };
  }

  /** Whether an open asked for in `era` may keep the pages the kernel has of the file. */
  keepPages(era: Era, ino: number): boolean {
    return this.covered(era) && !this.changedSince(era, inodeKey(ino));
  }

  /** The backend heard of a change made elsewhere; resolves once the kernel has dropped what it cached of it. */
  changed(c: Invalidation): Promise<void> {
    this.counters.heard++;
    this.listed.delete(c.kind === 'inode' ? c.ino : c.parent);
    if (c.kind === 'inode') {
      this.remember(inodeKey(c.ino));
      return this.nodes.has(c.ino) ? this.sendInode(c.ino, 0) : Promise.resolve();
    }
    this.remember(entryKey(c.parent, c.name));
    // an absent name's directory is known too: the kernel's entry holds it
    if (!this.nodes.has(c.parent)) return Promise.resolve();
    this.names.remove(c.parent, c.name);
    return this.sendEntry(c.parent, c.name);
  }

  /** The channel broke (false) or is back (true). */
  channel(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.epoch++;
    this.listed.clear();
    if (up) return;
    this.counters.breaks++;
    // what the kernel has may already be stale, and no invalidation would come: take it all back
    for (const e of this.names.takeAll()) void this.sendEntry(e.parent, e.name);
    for (const ino of this.nodes.inodes()) void this.sendInode(ino, 0);
  }

  stats(): CacheStats {
    return { channelUp: this.up, ...this.counters };
  }

  private covered(era: Era): boolean {
    return this.up && era.epoch === this.epoch;
  }

  private changedSince(era: Era, key: string): boolean {
    if (era.seq < this.forgottenSeq) return true; // what came between is forgotten: it may have named this
    return (this.recent.get(key) ?? 0) > era.seq;
  }

  private remember(key: string): void {
    this.recent.delete(key); // to the end: the map stays in seq order
    this.recent.set(key, ++this.seq);
    if (this.recent.size <= this.limits.recentChanges) return;
    const [oldest, seq] = this.recent.entries().next().value as [string, number];
    this.recent.delete(oldest);
    this.forgottenSeq = seq;
  }

  private sendInode(ino: number, offset: number): Promise<void> {
    if (!this.notifier) return Promise.resolve();
    this.counters.sentInodes++;
    return this.notifier.notifyInvalInode(ino, offset, 0).then(
      () => undefined,
      (err: unknown) => this.failed(err, `inode ${ino}`),
    );
  }

  private sendEntry(parent: number, name: string): Promise<void> {
    if (!this.notifier) return Promise.resolve();
    this.counters.sentEntries++;
    return this.notifier.notifyInvalEntry(parent, name).then(
      () => undefined,
      (err: unknown) => this.failed(err, `entry ${JSON.stringify(name)} in ${parent}`),
    );
  }

  private failed(err: unknown, what: string): void {
    const e = toDfsError(err);
    if (e.code === 'ENOTCONN') return; // the session ended: the kernel holds nothing any more
    this.log(`dfs mount: could not invalidate the kernel's cache of ${what}: ${e.message}`);
  }
}
