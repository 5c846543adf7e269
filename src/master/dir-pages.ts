// A directory listed a page at a time (src/rpc/paging.ts), for fs.readdir and ino.readdir: a
// directory that fits in one page is answered straight from its entries, with no copy; a
// larger one from a copy of its names kept per session and directory, which the client
// follows by `cursor` (or ends early with `end`). An entry gone or renamed since the copy
// was made is left out.
import { DEFAULTS } from '../defaults.js';
import type { Meta } from '../rpc/frame.js';
import { bool, optInt, optStr } from '../rpc/params.js';
import { PagedListings } from '../rpc/paging.js';
import type { Inode } from './namespace.js';
import type { Caller } from './permissions.js';

export class DirPages {
  private readonly listings = new PagedListings<[string, number]>(DEFAULTS.listingsKept, DEFAULTS.listingTtlMs, DEFAULTS.listingItemsKept);

  /** Passes this page's entries of `dir` (asked by `meta`: limit, cursor, end) to `each`; answers the next page's cursor. */
  page(c: Caller, dir: Inode, meta: Meta, each: (name: string, ino: number) => void): string | undefined {
    // no limit: the whole directory in one reply, as before pages
    const limit = optInt(meta, 'limit', 1, DEFAULTS.readdirPageMax) ?? Number.MAX_SAFE_INTEGER;
    const cursor = optStr(meta, 'cursor', 64);
    const names = dir.entries!;
    if (cursor === undefined && names.size <= limit) {
      for (const [name, ino] of names) each(name, ino);
      return undefined;
    }
    const owner = `${c.session ?? ''}:${dir.ino}`;
    if (cursor !== undefined && bool(meta, 'end')) {
      // a client that has read enough: the copy of the names goes now, not at its TTL
      this.listings.end(owner, cursor);
      return undefined;
    }
    const { page, cursor: more } = cursor === undefined ? this.listings.begin(owner, [...names], limit, Date.now()) : this.listings.next(owner, cursor, limit, Date.now());
    for (const [name, ino] of page) if (names.get(name) === ino) each(name, ino);
    return more;
  }
}
