// Listings too long for one reply, served in pages: a directory at the master (fs.readdir),
// a node's block ids (block.list). The first page takes a copy of the whole list, and the
// pages after it read on from that copy by an opaque cursor, so every item present for the
// whole listing comes exactly once whatever changes meanwhile (as NFS's readdir cookies
// promise); the caller leaves out items gone by the time their page comes. A cursor
// belongs to one owner (a session and a directory, say) and expires unused. The copies
// are bounded in number and in items all told (~40 bytes each), so asking for first pages
// of a huge directory over and over cannot exhaust the server's memory: the least
// recently used listing goes, and its cursor answers ESTALE.
import { randomBytes } from 'node:crypto';
import { DfsError } from './errors.js';

interface Listing<T> {
  owner: string;
  items: T[];
  offset: number;
  expires: number;
}

export interface Page<T> {
  page: T[];
  /** Present while more remain: pass it back for the next page. */
  cursor?: string;
}

export class PagedListings<T> {
  private readonly open = new Map<string, Listing<T>>();
  private items = 0;

  constructor(
    /** Listings kept at once; past it the least recently used is dropped. */
    private readonly max: number,
    private readonly ttlMs: number,
    /** Items kept in all listings together; one listing larger than this is still kept, alone. */
    private readonly maxItems = Number.MAX_SAFE_INTEGER,
  ) {}

  /** Listings open, and the items they hold. */
  get size(): { listings: number; items: number } {
    return { listings: this.open.size, items: this.items };
  }

  /** Starts a listing of `items` (a fresh copy, which it keeps): its first page, and a cursor when more remain. */
  begin(owner: string, items: T[], limit: number, now: number): Page<T> {
    if (items.length <= limit) return { page: items };
    this.sweep(now);
    while (this.open.size > 0 && (this.open.size >= this.max || this.items + items.length > this.maxItems)) {
      this.drop(this.open.keys().next().value as string);
    }
    const cursor = randomBytes(16).toString('base64url');
    this.open.set(cursor, { owner, items, offset: limit, expires: now + this.ttlMs });
    this.items += items.length;
    return { page: items.slice(0, limit), cursor };
  }

  /** The next page; ESTALE when the cursor is unknown, expired or another owner's. */
  next(owner: string, cursor: string, limit: number, now: number): Page<T> {
    this.sweep(now);
    const l = this.open.get(cursor);
    if (!l || l.owner !== owner) throw new DfsError('ESTALE', 'listing expired: list again');
    const page = l.items.slice(l.offset, l.offset + limit);
    l.offset += page.length;
    this.drop(cursor);
    if (l.offset >= l.items.length) return { page };
    // re-inserted: Map order is the LRU order
    l.expires = now + this.ttlMs;
    this.open.set(cursor, l);
    this.items += l.items.length;
    return { page, cursor };
  }

  /** Ends a listing before its last page (a client that has read enough); unknown cursors are ignored. */
  end(owner: string, cursor: string): void {
    if (this.open.get(cursor)?.owner === owner) this.drop(cursor);
  }

  private drop(cursor: string): void {
    const l = this.open.get(cursor);
    if (!l) return;
    this.open.delete(cursor);
    this.items -= l.items.length;
  }

  private sweep(now: number): void {
    for (const [cursor, l] of this.open) if (l.expires <= now) this.drop(cursor);
  }
}
