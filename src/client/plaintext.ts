// Plaintext pieces of a block as reads and writes pass them around: the segments the block
// cache holds (block-cache.ts), copied out at byte offsets without joining them first.
import { segmentCount } from '../protocol/block-format.js';
import type { RemoteBlock } from '../protocol/methods.js';

/** Plaintext of part of a block: pieces in order, the first starting at byte `start`. */
export interface Plain {
  parts: Buffer[];
  start: number;
}

/** Copies block bytes [from, to) that `p` holds into `dst` at `at`; returns how many (up to where `p` ends). */
export function copyPlain(p: Plain, from: number, to: number, dst: Buffer, at: number): number {
  let done = 0;
  let pos = p.start;
  for (const part of p.parts) {
    const want = from + done;
    if (want >= to || pos > want) break;
    const s = want - pos;
    if (s < part.length) {
      const n = Math.min(part.length - s, to - want);
      part.copy(dst, at + done, s, s + n);
      done += n;
    }
    pos += part.length;
  }
  return done;
}

/** Copies the first `limit` bytes that `parts` hold into `dst`; returns how many. */
export function copyUpTo(parts: Buffer[] | undefined, limit: number, dst: Buffer): number {
  let length = 0;
  for (const part of parts ?? []) {
    const n = Math.min(part.length, limit - length);
    if (n <= 0) break;
    part.copy(dst, length, 0, n);
    length += n;
  }
  return length;
}

/** Segment numbers of the whole of block `b`. */
export function wholeBlock(b: RemoteBlock): { first: number; last: number } {
  return { first: 0, last: segmentCount(b.size) - 1 };
}
