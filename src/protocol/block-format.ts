// The layout of a stored block, as every party sees its size: the client seals it, a
// storage node stores and ranges over it, the master reserves room for it. A block is sealed
// in segments of 64 KiB of plaintext, each with its nonce and tag (src/client/crypto.ts says
// how); on a disk node each block file starts with a small header of its own
// (src/storage/disk-store.ts). Part of the stored format: changing a number breaks stored blocks.

/** Bytes a segment's envelope adds to its plaintext: a 96-bit nonce and a 128-bit tag. */
export const SEGMENT_OVERHEAD = 12 + 16;
/** Plaintext bytes per segment. */
export const SEGMENT = 64 * 1024;
const SEALED_SEGMENT = SEGMENT + SEGMENT_OVERHEAD;
/** The header a disk node writes before each block it stores (length and CRC). */
export const BLOCK_FILE_HEADER_BYTES = 16;

export function segmentCount(plainLength: number): number {
  return Math.max(1, Math.ceil(plainLength / SEGMENT));
}

/** Stored size of a block of `plainLength` bytes. */
export function sealedLength(plainLength: number): number {
  return plainLength + segmentCount(plainLength) * SEGMENT_OVERHEAD;
}

/** Where segments first..last (inclusive) lie in the stored block. */
export function sealedRange(plainLength: number, first: number, last: number): { offset: number; length: number } {
  const offset = first * SEALED_SEGMENT;
  const end = Math.min(sealedLength(plainLength), (last + 1) * SEALED_SEGMENT);
  return { offset, length: end - offset };
}

/** Bytes a block of `plainLength` bytes takes on a disk node: what a node needs free to take it. */
export function bytesOnNode(plainLength: number): number {
  return sealedLength(plainLength) + BLOCK_FILE_HEADER_BYTES;
}

/** An overlay (src/master/block-overlays.ts): its plaintext bytes and the slot's segments it holds, ascending. */
export interface OverlayShape {
  size: number;
  segs: number[];
}

/** How far an overlay's bytes reach in its slot. */
export function overlayReach(o: OverlayShape): number {
  return o.segs[o.segs.length - 1] * SEGMENT + (o.size - (o.segs.length - 1) * SEGMENT);
}

/** Why an overlay of `size` bytes holding `segs` cannot be one in a block of `blockSize`, or undefined when it can. */
export function overlayFault(o: OverlayShape, blockSize: number): string | undefined {
  const { segs, size } = o;
  if (segs.length === 0) return 'an overlay holds at least one segment';
  for (let i = 0; i < segs.length; i++) {
    if (!Number.isInteger(segs[i]) || segs[i] < 0 || (i > 0 && segs[i] <= segs[i - 1])) return 'overlay segments must ascend';
  }
  // every segment whole but the last, which holds at least one byte
  if (size <= (segs.length - 1) * SEGMENT || size > segs.length * SEGMENT) return `an overlay of ${segs.length} segment(s) cannot hold ${size} bytes`;
  if (overlayReach(o) > blockSize) return 'an overlay reaches past its block';
  return undefined;
}

/** How far a slot's bytes reach: its block's, or an overlay's beyond them. */
export function slotReach(b: { size: number; over?: OverlayShape[] }): number {
  let reach = b.size;
  for (const o of b.over ?? []) reach = Math.max(reach, overlayReach(o));
  return reach;
}
