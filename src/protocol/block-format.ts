// The layout of a stored block, as every party sees its size: the client seals it, a
// storage node stores and ranges over it, the master reserves room for it. A block is sealed
// in segments of 64 KiB of plaintext, each with its nonce and tag (src/client/crypto.ts says
// how), an overlay of a block (src/master/block-overlays.ts) in pages of 4 KiB; on a disk
// node each stored object starts with a small header of its own (src/storage/disk-store.ts).
// Part of the stored format: changing a number breaks stored blocks.

/** Bytes a segment's envelope adds to its plaintext: a 96-bit nonce and a 128-bit tag. */
export const SEGMENT_OVERHEAD = 12 + 16;
/** Plaintext bytes per segment. */
export const SEGMENT = 64 * 1024;
/** The header a disk node writes before each block it stores (length and CRC). */
export const BLOCK_FILE_HEADER_BYTES = 16;

/** Plaintext bytes per page: the unit an overlay (src/master/block-overlays.ts) is sealed in. */
export const PAGE = 4096;

/** Segments (or, with `unit` PAGE, pages) of a block of `plainLength` bytes. */
export function segmentCount(plainLength: number, unit = SEGMENT): number {
  return Math.max(1, Math.ceil(plainLength / unit));
}

/** Stored size of a block (or, with `unit` PAGE, an overlay) of `plainLength` bytes. */
export function sealedLength(plainLength: number, unit = SEGMENT): number {
  return plainLength + segmentCount(plainLength, unit) * SEGMENT_OVERHEAD;
}

/** Where segments (or pages) first..last (inclusive) lie in the stored object. */
export function sealedRange(plainLength: number, first: number, last: number, unit = SEGMENT): { offset: number; length: number } {
  const sealed = unit + SEGMENT_OVERHEAD;
  const offset = first * sealed;
  const end = Math.min(sealedLength(plainLength, unit), (last + 1) * sealed);
  return { offset, length: end - offset };
}

/** Bytes a block of `plainLength` bytes takes on a disk node: what a node needs free to take it. */
export function bytesOnNode(plainLength: number): number {
  return sealedLength(plainLength) + BLOCK_FILE_HEADER_BYTES;
}

/** An overlay (src/master/block-overlays.ts): its plaintext bytes and the slot's pages it holds, ascending. */
export interface OverlayShape {
  size: number;
  pages: number[];
}

/** How far an overlay's bytes reach in its slot. */
function overlayReach(o: OverlayShape): number {
  return o.pages[o.pages.length - 1] * PAGE + (o.size - (o.pages.length - 1) * PAGE);
}

/** Why an overlay of `size` bytes holding `pages` cannot be one in a block of `blockSize`, or undefined when it can. */
export function overlayFault(o: OverlayShape, blockSize: number): string | undefined {
  const { pages, size } = o;
  if (pages.length === 0) return 'an overlay holds at least one page';
  for (let i = 0; i < pages.length; i++) {
    if (!Number.isInteger(pages[i]) || pages[i] < 0 || (i > 0 && pages[i] <= pages[i - 1])) return 'overlay pages must ascend';
  }
  // every page whole but the last, which holds at least one byte
  if (size <= (pages.length - 1) * PAGE || size > pages.length * PAGE) return `an overlay of ${pages.length} page(s) cannot hold ${size} bytes`;
  if (overlayReach(o) > blockSize) return 'an overlay reaches past its block';
  return undefined;
}

/** How far a slot's bytes reach: its block's, or an overlay's beyond them. */
export function slotReach(b: { size: number; over?: OverlayShape[] }): number {
  let reach = b.size;
  for (const o of b.over ?? []) reach = Math.max(reach, overlayReach(o));
  return reach;
}
