// A byte-bounded LRU of decrypted blocks, kept as their 64 KiB segments (and segments on
// their way, so two readers of one segment fetch it once). A random reader fills a block's
// segments one by one; a sequential one loads a whole block in one request. Blocks, not
// segments, are the unit of recency and eviction: a sequential read touches one entry per
// request, not 64. Block ids are immutable, so entries never go stale. A streaming reader
// drops the blocks it has passed (see `drop`), so a long read neither pushes out what
// random readers reuse nor grows the cache to its budget.

interface Entry {
  /** Segment plaintexts by segment number, at hand or loading. */
  segs: (Promise<Buffer> | undefined)[];
  /** Bytes of the segments that have arrived. */
  bytes: number;
  /** Segments still loading: an entry is not evicted under a load that will account to it. */
  loading: number;
}

export class BlockCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /**
   * Segments first..last of block `id`. Those not at hand are loaded by one call of
   * `load(lo, hi)` for the run lo..hi that covers them within `span` (which contains
   * first..last; a sequential reader passes the whole block, so one request brings all of
   * it). A failed load is forgotten, so the next read tries again.
   */
  segments(id: string, first: number, last: number, span: { first: number; last: number }, load: (lo: number, hi: number) => Promise<Buffer[]>): Promise<Buffer[]> {
    const entry = this.load(id, span, load);
    return Promise.all(entry.segs.slice(first, last + 1) as Promise<Buffer>[]);
  }

  /** Starts loading what of `span` is not at hand, for a reader to come (read-ahead); waits for nothing. */
  prefetch(id: string, span: { first: number; last: number }, load: (lo: number, hi: number) => Promise<Buffer[]>): void {
    this.load(id, span, load);
  }

  /** Touches block `id` (most recently used) and starts one load for the run of `span` not at hand. */
  private load(id: string, span: { first: number; last: number }, load: (lo: number, hi: number) => Promise<Buffer[]>): Entry {
    let entry = this.entries.get(id);
    if (entry) this.entries.delete(id); // re-inserted below: Map order is the LRU order
    entry ??= { segs: [], bytes: 0, loading: 0 };
    this.entries.set(id, entry);
    let lo = span.first;
    let hi = span.last;
    while (lo <= hi && entry.segs[lo]) lo++;
    while (hi >= lo && entry.segs[hi]) hi--;
    if (lo <= hi) {
      const run = load(lo, hi);
      for (let s = lo; s <= hi; s++)
        if (!entry.segs[s])
          this.track(
            id,
            entry,
            s,
            run.then((p) => p[s - lo]),
          );
    }
    return entry;
  }

  /**
   * Forgets block `id` now rather than when it becomes the least recently used: a
   * sequential reader that has moved past a block does not come back for it (a re-read is
   * served by the kernel's page cache). A block with a load under way stays.
   */
  drop(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.loading > 0) return;
    this.entries.delete(id);
    this.bytes -= e.bytes;
  }

  /** Bytes of segments at hand. */
  get size(): number {
    return this.bytes;
  }

  /** Blocks with a segment at hand or on its way. */
  get blockCount(): number {
    return this.entries.size;
  }

  private track(id: string, entry: Entry, s: number, loading: Promise<Buffer>): void {
    entry.loading++;
    const p: Promise<Buffer> = loading.then(
      (buf) => {
        entry.loading--;
        if (entry.segs[s] === p) {
          entry.bytes += buf.length;
          this.bytes += buf.length;
          this.evict(id);
        }
        return buf;
      },
      (err: unknown) => {
        entry.loading--;
        if (entry.segs[s] === p) entry.segs[s] = undefined;
        // nothing left of it: an entry per failed block would pile up
        if (entry.loading === 0 && entry.bytes === 0 && this.entries.get(id) === entry && entry.segs.every((x) => x === undefined)) {
          this.entries.delete(id);
        }
        throw err;
      },
    );
    entry.segs[s] = p;
    p.catch(() => undefined); // a read-ahead that failed and that nobody waits for is no error
  }

  /** Drops the least recently used blocks (not `keep`, nor one still loading) until under budget. */
  private evict(keep: string): void {
    for (const [id, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      if (id === keep || e.loading > 0) continue;
      this.entries.delete(id);
      this.bytes -= e.bytes;
    }
  }
}
