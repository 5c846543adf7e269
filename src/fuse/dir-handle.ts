// An open directory. The kernel reads a listing a buffer at a time (about 4 KiB: a few dozen
// entries), each time from the offset where the last buffer ended; the backend hands out
// pages of its own size with a cursor. An entry's offset is its position in this handle's
// listing ("." 0, ".." 1, the backend's entries from 2 on), so offsets stay valid across
// the backend's pages and across changes made to the directory meanwhile: what the listing
// holds is what the backend's pages held when they were read, each entry once. Only the
// current page is kept; an offset before it (seekdir back) reads again from the start of
// its page. Offset 0 on a listing already read is rewinddir: a fresh listing.
import type { Attr } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import type { DirPage } from '../client/mount-api.js';
import type { Era } from './kernel-cache.js';

export interface Listed {
  name: string;
  attr: Attr;
  ticket: string;
}

/** The first offset of the backend's entries: "." and ".." come before. */
export const FIRST_ENTRY = 2;

/** What an entry of the listing is, and when its page was asked for. */
export interface ListedAt {
  entry: Listed;
  era: Era;
}

export class DirHandle {
  /** The offset of window[0]. */
  private base = FIRST_ENTRY;
  private window: Listed[] = [];
  private windowEra?: Era;
  /** The cursor that reads the page starting at each offset (undefined: the first page). */
  private readonly pageStarts = new Map<number, string | undefined>();
  private nextCursor?: string;
  private done = false;
  private started = false;
  /** The directory's parent, for "..", once a page said it. */
  private parentIno?: number;

  constructor(
    readonly ino: number,
    private readonly readPage: (cursor: string | undefined) => Promise<DirPage>,
    private readonly era: () => Era,
  ) {}

  /** The directory's own parent; reads the first page when none was read yet. */
  async parent(): Promise<number> {
    if (this.parentIno === undefined) await this.fetch();
    return this.parentIno!;
  }

  /** Before reading from `offset`: offset 0 on a listing already read starts a fresh one. */
  rewindIf(offset: number): void {
    if (offset !== 0 || !this.started) return;
    this.base = FIRST_ENTRY;
    this.window = [];
    this.pageStarts.clear();
    this.nextCursor = undefined;
    this.done = false;
    this.started = false;
  }

  /** The entry at `offset` (≥ FIRST_ENTRY), or undefined past the end. */
  async at(offset: number): Promise<ListedAt | undefined> {
    if (offset < this.base) this.seekBack(offset);
    while (offset >= this.base + this.window.length) {
      if (this.done) return undefined;
      await this.fetch();
    }
    return { entry: this.window[offset - this.base], era: this.windowEra! };
  }

  private seekBack(offset: number): void {
    let start = FIRST_ENTRY;
    for (const s of this.pageStarts.keys()) if (s <= offset && s > start) start = s;
    this.base = start;
    this.window = [];
    this.nextCursor = this.pageStarts.get(start);
    this.done = false;
    this.started = start !== FIRST_ENTRY;
  }

  /** Reads the page after the window and makes it the window. */
  private async fetch(): Promise<void> {
    const cursor = this.started ? this.nextCursor : undefined;
    const era = this.era();
    const page = await this.readPage(cursor);
    if (this.started && page.entries.length === 0 && page.cursor !== undefined && page.cursor === cursor) {
      throw new DfsError('EIO', `the directory listing of inode ${this.ino} does not advance past cursor ${cursor}`);
    }
    this.parentIno = page.parent;
    const start = this.started ? this.base + this.window.length : FIRST_ENTRY;
    this.pageStarts.set(start, cursor);
    this.started = true;
    this.base = start;
    this.window = page.entries;
    this.windowEra = era;
    this.nextCursor = page.cursor;
    this.done = page.cursor === undefined;
  }
}
