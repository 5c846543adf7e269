// The byte ranges of a block that this client wrote, as sorted, disjoint [start, end) pairs.
// A dirty block is the stored block it was read from (its base) with these ranges written
// over it. When another client changed the stored block in the meantime, the commit is
// refused and the block is rebuilt on the new base with just these ranges (open-file.ts):
// bytes this client never wrote must not travel back from the old base.
export class Extents {
  /** start0, end0, start1, end1, … */
  private readonly spans: number[] = [];

  /** Marks [start, end) as written, merging with the ranges it touches. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const s = this.spans;
    // the first range that ends at or after `start` (touching ranges merge)
    let i = 0;
    while (i < s.length && s[i + 1] < start) i += 2;
    let j = i;
    while (j < s.length && s[j] <= end) {
      start = Math.min(start, s[j]);
      end = Math.max(end, s[j + 1]);
      j += 2;
    }
    s.splice(i, j - i, start, end);
  }

  /** Forgets everything at or past `length` (the block was cut there). */
  clip(length: number): void {
    const s = this.spans;
    while (s.length > 0 && s[s.length - 2] >= length) s.length -= 2;
    if (s.length > 0 && s[s.length - 1] > length) s[s.length - 1] = length;
  }

  /** Whether every byte of [0, length) was written. */
  covers(length: number): boolean {
    return length === 0 || (this.spans.length === 2 && this.spans[0] === 0 && this.spans[1] >= length);
  }

  /** Whether every byte of [start, end) was written. */
  coversRange(start: number, end: number): boolean {
    if (end <= start) return true;
    const s = this.spans;
    for (let i = 0; i < s.length && s[i] <= start; i += 2) if (s[i + 1] >= end) return true;
    return false;
  }

  /** The written ranges cut to [start, end). */
  *within(start: number, end: number): Generator<[number, number]> {
    const s = this.spans;
    for (let i = 0; i < s.length && s[i] < end; i += 2) {
      if (s[i + 1] > start) yield [Math.max(start, s[i]), Math.min(end, s[i + 1])];
    }
  }

  /** The end of the last range (0 when nothing was written). */
  get end(): number {
    return this.spans.length === 0 ? 0 : this.spans[this.spans.length - 1];
  }

  *ranges(): Generator<[number, number]> {
    for (let i = 0; i < this.spans.length; i += 2) yield [this.spans[i], this.spans[i + 1]];
  }
}
