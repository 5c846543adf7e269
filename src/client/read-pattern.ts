// Whether an open file is being read front to back (open-file.ts): such a reader gets whole
// blocks, read-ahead and the blocks behind it dropped from the cache; a random one gets
// only the 64 KiB segments it touches, so a 4 KiB read costs one segment, not a 4 MiB block.
import { SEGMENT } from '../protocol/block-format.js';

/** A read this close to where the last one ended continues it. */
const NEAR_BYTES = 2 * 1024 * 1024;

export class ReadPattern {
  private lastReadEnd = -1;
  /** Reads in a row that began near where the one before ended. */
  private nearRun = 0;

  /**
   * Takes a read of `length` bytes at `pos` and says whether it is part of a sequential
   * run. Near where the last read ended (the kernel's read-ahead keeps up to a dozen 128 KiB
   * requests in flight, which may arrive out of order), or at the start. One near read may
   * be chance (a random reader lands near its last read now and then, and whole blocks plus
   * read-ahead would cost it megabytes); a large one, or a second in a row, is not.
   */
  sequential(pos: number, length: number): boolean {
    const near = pos === 0 || (this.lastReadEnd >= 0 && Math.abs(pos - this.lastReadEnd) <= NEAR_BYTES);
    this.nearRun = near ? this.nearRun + 1 : 0;
    return near && (this.nearRun >= 2 || length >= SEGMENT);
  }

  /** The read ended at `end`. */
  ended(end: number): void {
    this.lastReadEnd = end;
  }

  /**
   * The blocks a streaming reader at `pos` is done with: those that end more than
   * NEAR_BYTES before it (the kernel's requests arrive out of order only within its
   * read-ahead window) and that it passed since the previous read, `length` bytes ago.
   */
  static behind(pos: number, length: number, blockSize: number): number[] {
    const passed = Math.floor((pos - NEAR_BYTES) / blockSize) - 1;
    const since = Math.ceil(length / blockSize) + 1;
    const out: number[] = [];
    for (let idx = passed; idx >= 0 && idx > passed - since; idx--) out.push(idx);
    return out;
  }
}
