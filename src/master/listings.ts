// Directory listings that take more than one reply. A large directory is listed in pages
// (fs.readdir with `limit`), so no reply outgrows a message: the first page takes a copy of
// the directory's names, and the pages after it read on from that copy by an opaque cursor.
// Every name present for the whole listing is listed exactly once, whatever is created,
// removed or renamed meanwhile (as NFS's cookies promise); a name removed before its page
// comes is left out. Cursors belong to the session that opened them and expire unused.
import { randomBytes } from 'node:crypto';
import { DfsError } from '../rpc/errors.js';

interface Listing {
  session: string;
  dirIno: number;
  /** The directory's [name, inode] pairs when the listing began. */
  names: [string, number][];
  offset: number;
  expires: number;
}

export class DirListings {
  private readonly open = new Map<string, Listing>();

  constructor(
    /** Listings kept at once, across sessions; past it the least recently used is dropped. */
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  /** Starts a listing of `names`; returns its first page and the cursor for the rest (if any). */
  begin(session: string, dirIno: number, names: [string, number][], limit: number, now: number): { page: [string, number][]; cursor?: string } {
    if (names.length <= limit) return { page: names };
    this.sweep(now);
    while (this.open.size >= this.max) this.open.delete(this.open.keys().next().value as string);
    const cursor = randomBytes(16).toString('base64url');
    this.open.set(cursor, { session, dirIno, names, offset: limit, expires: now + this.ttlMs });
    return { page: names.slice(0, limit), cursor };
  }

  /** The next page of a listing; the cursor comes back while more remain. ESTALE when it is unknown or expired. */
  next(session: string, dirIno: number, cursor: string, limit: number, now: number): { page: [string, number][]; cursor?: string } {
    this.sweep(now);
    const l = this.open.get(cursor);
    if (!l || l.session !== session || l.dirIno !== dirIno) throw new DfsError('ESTALE', 'directory listing expired: list it again');
    const page = l.names.slice(l.offset, l.offset + limit);
    l.offset += page.length;
    this.open.delete(cursor); // re-inserted below: Map order is the LRU order
    if (l.offset >= l.names.length) return { page };
    l.expires = now + this.ttlMs;
    this.open.set(cursor, l);
    return { page, cursor };
  }

  private sweep(now: number): void {
    for (const [cursor, l] of this.open) if (l.expires <= now) this.open.delete(cursor);
  }
}
