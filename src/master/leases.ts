// What each mount may cache, and for how long: a lease on an inode's attributes (and data),
// or on a directory's entries, granted with every reply that hands them out and renewed by
// the next. When a change lands, the master tells every other connection holding a live
// lease on what it touched to drop it (inval, pushed on the same WebSocket); the kernel can
// then cache entries and attributes for as long as the lease runs, and a change made
// anywhere shows in every mount at its next call (as CephFS capabilities do). Only mounts
// ask for leases (client.hello { invalidations: true }); a connection that goes loses them.
import type { Invalidation } from '../protocol/methods.js';

/** Per thing leased: connection → expiry (ms). */
type Holders = Map<string, number>;

export class Leases {
  private readonly attrs = new Map<number, Holders>();
  private readonly dirs = new Map<number, Holders>();
  /** Leases each connection holds, for the bound per connection and `size`. */
  private readonly perConnection = new Map<string, number>();

  constructor(
    readonly ttlMs: number,
    /** Leases one connection may hold at most; past it, grants stop until some expire (bounded memory). */
    private readonly maxPerConnection = 1_000_000,
  ) {}

  private grant(map: Map<number, Holders>, key: number, conn: string, now: number): void {
    const h = map.get(key);
    if (!h?.has(conn)) {
      const n = this.perConnection.get(conn) ?? 0;
      if (n >= this.maxPerConnection) return;
      this.perConnection.set(conn, n + 1);
    }
    if (h) h.set(conn, now + this.ttlMs);
    else map.set(key, new Map([[conn, now + this.ttlMs]]));
  }

  /** `conn` may cache the attributes (and the data) of `ino`. */
  grantAttr(conn: string, ino: number, now = Date.now()): void {
    this.grant(this.attrs, ino, conn, now);
  }

  /** `conn` may cache names in directory `dir` (and their absence). */
  grantDir(conn: string, dir: number, now = Date.now()): void {
    this.grant(this.dirs, dir, conn, now);
  }

  /** For each connection other than `origin` holding a live lease on what `changes` touch, what it must drop. */
  affected(changes: readonly Invalidation[], origin: string | undefined, now = Date.now()): Map<string, Invalidation[]> {
    const out = new Map<string, Invalidation[]>();
    for (const ch of changes) {
      const holders = ch.kind === 'inode' ? this.attrs.get(ch.ino) : this.dirs.get(ch.parent);
      if (!holders) continue;
      for (const [conn, until] of holders) {
        if (conn === origin || until <= now) continue;
        let list = out.get(conn);
        if (!list) out.set(conn, (list = []));
        list.push(ch);
      }
    }
    return out;
  }

  /** A connection that went keeps nothing. */
  dropConnection(conn: string): void {
    for (const map of [this.attrs, this.dirs]) {
      for (const [key, h] of map) if (h.delete(conn) && h.size === 0) map.delete(key);
    }
    this.perConnection.delete(conn);
  }

  /** Forgets leases past their time (maintenance calls it). */
  prune(now = Date.now()): void {
    for (const map of [this.attrs, this.dirs]) {
      for (const [key, h] of map) {
        for (const [conn, until] of h) {
          if (until > now) continue;
          h.delete(conn);
          const n = (this.perConnection.get(conn) ?? 1) - 1;
          if (n > 0) this.perConnection.set(conn, n);
          else this.perConnection.delete(conn);
        }
        if (h.size === 0) map.delete(key);
      }
    }
  }

  /** Live leases all told (metrics). */
  /** Whether any connection holds a lease (no change needs telling otherwise). */
  get any(): boolean {
    return this.perConnection.size > 0;
  }

  get size(): number {
    let n = 0;
    for (const c of this.perConnection.values()) n += c;
    return n;
  }
}
