// The written bytes of one block of an open file (open-file.ts) until a commit publishes
// them: a recycled block buffer, how much of it holds data, the stored block it was built
// on, and which bytes this client wrote. Uploads read the buffer while writes go on, so it
// is pinned by every upload that has yet to read it and recycled only when none has.
import type { BufferPool } from './buffer-pool.js';
import { Extents } from './extents.js';
import { PAGE } from '../protocol/block-format.js';
import { copyUpTo } from './plaintext.js';

/** A recycled block buffer and the uploads that have yet to read it. */
export interface PinnedBuffer {
  data: Buffer;
  /** Uploads that have yet to read `data`; the buffer is recycled only at zero. */
  pins: number;
  /** No dirty block holds it any more: recycle once unpinned. */
  released: boolean;
}

export interface DirtyBlock {
  /** Only the first `length` bytes of `buf.data` mean anything. */
  buf: PinnedBuffer;
  /** Valid bytes; the file reads zeros past them (up to its size). */
  length: number;
  /** Bumped by every change, so an upload knows whether it sent the latest bytes. */
  version: number;
  /** The stored block these bytes were read from (null: none, the slot was a hole or past the end). */
  base: string | null;
  /** The bytes written here, which a rebase onto a newer stored block keeps (see rebuildOn). */
  extents: Extents;
  /**
   * A sparse block (written in the middle of a stored slot, nothing read yet): only the bytes
   * written, in 4 KiB buffers by page number, so that memory holds about what
   * was written; the stored bytes around them are read when the block is uploaded, as an
   * overlay of the pages they touch (open-file.ts). `buf` holds nothing then.
   * Undefined: `buf` holds the slot's bytes.
   */
  sparse?: Map<number, Buffer>;
}

/** What one upload took of a dirty block. */
export interface Snapshot {
  index: number;
  blk: DirtyBlock;
  buf: PinnedBuffer;
  version: number;
  length: number;
  base: string | null;
}

/** What one upload of a sparse block sends: an overlay of its slot (src/master/block-overlays.ts). */
export interface OverlaySnapshot {
  index: number;
  blk: DirtyBlock;
  version: number;
  /** The slot's present contents it was composed on. */
  base: string | null;
  /** The overlay's plaintext: pages `pages` of the slot, each whole but the last. */
  plain: Buffer;
  pages: number[];
}

/** A block uploaded for a commit. */
export interface Placed {
  index: number;
  id: string;
  size: number;
  nodes: string[];
  /** The block this one replaces, as the writer saw it: the master refuses the commit if the slot holds another. */
  base: string | null;
  /** An overlay: the slot's pages it holds. */
  pages?: number[];
}

/** What a commit does besides placing blocks. */
export interface CommitKind {
  /** Publishes every write so far (flush, fsync, close). */
  final?: boolean;
  /** Sets the size to this (ftruncate), shrinking or growing. */
  truncate?: number;
}

/** A dirty block holding the first `valid` bytes of `stored` (a hole or nothing: none), based on block `base`. */
export function dirtyFrom(pool: BufferPool, stored: Buffer[] | undefined, valid: number, base: string | null): DirtyBlock {
  const buf: PinnedBuffer = { data: pool.take(), pins: 0, released: false };
  // no zero-filling here: bytes past `length` are never read or sent
  const length = copyUpTo(stored, valid, buf.data);
  return { buf, length, version: 0, base, extents: new Extents() };
}

/** A dirty block's buffer is no longer its own: recycled once no upload needs it. */
export function release(buf: PinnedBuffer, pool: BufferPool): void {
  buf.released = true;
  if (buf.pins === 0) pool.give(buf.data);
}

/** An upload has read the buffer. */
export function unpin(buf: PinnedBuffer, pool: BufferPool): void {
  buf.pins--;
  if (buf.pins === 0 && buf.released) pool.give(buf.data);
}

/**
 * Rebuilds `d` on stored block `base`, whose first `valid` bytes are `stored`, with the
 * bytes written here laid over them: what a commit refused for a stale base sends next.
 */
export function rebuildOn(d: DirtyBlock, pool: BufferPool, stored: Buffer[] | undefined, valid: number, base: string | null): void {
  const buf: PinnedBuffer = { data: pool.take(), pins: 0, released: false };
  let length = copyUpTo(stored, valid, buf.data);
  for (const [from, to] of d.extents.ranges()) {
    if (from > length) buf.data.fill(0, length, from);
    d.buf.data.copy(buf.data, from, from, to);
    length = Math.max(length, to);
  }
  release(d.buf, pool);
  d.buf = buf;
  d.length = length;
  d.base = base;
  d.version++;
}

/** A sparse dirty block (see DirtyBlock.sparse) on the slot whose present contents are `base`, `length` bytes long. */
export function sparseBlock(base: string | null, length: number): DirtyBlock {
  return { buf: { data: Buffer.alloc(0), pins: 0, released: true }, length, version: 0, base, extents: new Extents(), sparse: new Map() };
}

/**
 * Writes `data` at byte `at` of sparse block `d`, taking a page buffer from `take` for
 * each page it first touches; returns how many it took.
 */
export function writeSparse(d: DirtyBlock, at: number, data: Buffer, take: () => Buffer): number {
  const sparse = d.sparse!;
  let took = 0;
  for (let x = at; x < at + data.length;) {
    const k = Math.floor(x / PAGE);
    const end = Math.min(at + data.length, (k + 1) * PAGE);
    let page = sparse.get(k);
    if (!page) {
      page = take();
      sparse.set(k, page);
      took++;
    }
    data.copy(page, x - k * PAGE, x - at, end - at);
    x = end;
  }
  d.extents.add(at, at + data.length);
  return took;
}

/** Copies the bytes written to sparse block `d` within block bytes [start, end) into `dst`, block byte `start` going to `dst[at]`. */
export function layWritten(d: DirtyBlock, start: number, end: number, dst: Buffer, at: number): void {
  for (const [from, to] of d.extents.within(start, end)) {
    for (let x = from; x < to;) {
      const k = Math.floor(x / PAGE);
      const stop = Math.min(to, (k + 1) * PAGE);
      d.sparse!.get(k)!.copy(dst, at + x - start, x - k * PAGE, stop - k * PAGE);
      x = stop;
    }
  }
}

/** Gives a sparse block's page buffers back to `pool`. */
export function releaseSparse(d: DirtyBlock, pool: BufferPool): void {
  for (const page of d.sparse?.values() ?? []) pool.give(page);
  d.sparse?.clear();
}
