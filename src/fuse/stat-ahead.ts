// Stat-ahead: a program that stats many names of one directory without listing it (a stat
// loop, make, an rsync receiver) would ask the master once per name, and the kernel asks the
// daemon twice per stat once its name entry is older than entry_timeout (LOOKUP, then
// GETATTR). After a few attribute-cache misses in one directory, the daemon lists it once in
// the background: the listing carries every entry's attributes, and the next stats are
// answered from memory. Lustre's statahead does the same for the same reason. Nothing waits
// for a listing; a miss still asks the master for its own name.
import { parentOf } from './attr-cache.js';

interface DirState {
  /** Misses counted since `since`. */
  misses: number;
  since: number;
  /** No listing of this directory before then. */
  notBefore: number;
  listing: boolean;
}

export interface StatAheadLimits {
  /** Misses in one directory within `windowMs` that start a listing. */
  misses: number;
  /** The attribute cache's time to live: a listing is not repeated sooner. */
  windowMs: number;
  /** A listing with more entries than this is not repeated for `backoffMs` (nor after a failure). */
  maxEntries: number;
  backoffMs: number;
  /** Directories tracked at most. */
  maxDirs: number;
}

export class StatAhead {
  private readonly dirs = new Map<string, DirState>();

  /** `list` lists a directory into the attribute cache and says how many entries it had. */
  constructor(
    private readonly list: (dir: string) => Promise<number>,
    private readonly limits: StatAheadLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Tells of an attribute-cache miss for `p`; may start a listing of its directory. */
  miss(p: string): void {
    const dir = parentOf(p);
    const now = this.now();
    let d = this.dirs.get(dir);
    if (!d) {
      this.prune(now);
      d = { misses: 0, since: now, notBefore: 0, listing: false };
      this.dirs.set(dir, d);
    }
    if (d.listing || now < d.notBefore) return;
    if (now - d.since >= this.limits.windowMs) {
      d.misses = 0;
      d.since = now;
    }
    if (++d.misses < this.limits.misses) return;
    const state = d;
    state.listing = true;
    state.misses = 0;
    this.list(dir).then(
      (entries) => {
        state.listing = false;
        state.since = this.now();
        state.notBefore = state.since + (entries > this.limits.maxEntries ? this.limits.backoffMs : this.limits.windowMs);
      },
      () => {
        // no right to list it, or gone: stats go on one by one
        state.listing = false;
        state.since = this.now();
        state.notBefore = state.since + this.limits.backoffMs;
      },
    );
  }

  get tracked(): number {
    return this.dirs.size;
  }

  /** Forgets directories with nothing pending; past the bound, the oldest go regardless. */
  private prune(now: number): void {
    if (this.dirs.size < this.limits.maxDirs) return;
    for (const [dir, d] of this.dirs) {
      if (!d.listing && now >= d.notBefore && now - d.since >= this.limits.windowMs) this.dirs.delete(dir);
    }
    for (const [dir, d] of this.dirs) {
      if (this.dirs.size < this.limits.maxDirs) break;
      if (!d.listing) this.dirs.delete(dir);
    }
  }
}
