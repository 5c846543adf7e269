// Listings too long for one reply, served in pages: a directory at the master (fs.readdir),
// a node's block ids (block.list). The first page takes a copy of the whole list, and the
// pages after it read on from that copy by an opaque cursor, so every item present for the
// whole listing comes exactly once whatever changes meanwhile (as NFS's readdir cookies
// promise); the caller leaves out items gone by the time their page comes. A cursor
// belongs to one owner (a session and a directory, say), expires unused, and only so many
// are kept at once.
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

  constructor(
    /** Listings kept at once; past it the least recently used is dropped. */
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  /** Starts a listing of `items`: its first page, and a cursor when more remain. */
  begin(owner: string, items: T[], limit: number, now: number): Page<T> {
    if (items.length <= limit) return { page: items };
    this.sweep(now);
    while (this.open.size >= this.max) this.open.delete(this.open.keys().next().value as string);
    const cursor = randomBytes(16).toString('base64url');
    this.open.set(cursor, { owner, items, offset: limit, expires: now + this.ttlMs });
    return { page: items.slice(0, limit), cursor };
  }

  /** The next page; ESTALE when the cursor is unknown, expired or another owner's. */
  next(owner: string, cursor: string, limit: number, now: number): Page<T> {
    this.sweep(now);
    const l = this.open.get(cursor);
    if (!l || l.owner !== owner) throw new DfsError('ESTALE', 'listing expired: list again');
    const page = l.items.slice(l.offset, l.offset + limit);
    l.offset += page.length;
    this.open.delete(cursor); // re-inserted below: Map order is the LRU order
    if (l.offset >= l.items.length) return { page };
    l.expires = now + this.ttlMs;
    this.open.set(cursor, l);
    return { page, cursor };
  }

  private sweep(now: number): void {
    for (const [cursor, l] of this.open) if (l.expires <= now) this.open.delete(cursor);
  }
}
