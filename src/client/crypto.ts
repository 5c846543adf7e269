// Block encryption: AES-256-GCM under the file's data key. A block is sealed in segments of
// 64 KiB of plaintext, each with a fresh 96-bit nonce and its own tag, so a reader can fetch
// and check just the segments it needs (a 4 KiB random read costs 64 KiB, not 4 MiB):
//
//   stored block = segment 0 | segment 1 | ... ;  segment = nonce (12) | ciphertext | tag (16)
//
// Every segment's associated data names the block and the segment (file, index in the file,
// block id, segment number), so a block or a segment cannot be swapped, moved or replayed;
// the number of segments follows from the block's size, which the master records, so a
// block cut short is caught too. The cipher runs synchronously through OpenSSL with AES-NI
// (~1.7 GB/s here, 2.3 ms of CPU for a 4 MiB block): WebCrypto's thread pool kept the
// JavaScript thread free but copied every segment in and out and cost twice the CPU, and
// on a 2-core machine CPU, not the JavaScript thread, is what runs out (see native-notes).
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { PAGE, SEGMENT, SEGMENT_OVERHEAD, sealedLength, sealedRange, segmentCount } from '../protocol/block-format.js';
import { DfsError } from '../rpc/errors.js';

const NONCE = 12;
const TAG = 16;
const CIPHER = 'aes-256-gcm';

export type BlockKey = KeyObject;

/** The block a segment belongs to, as its associated data names it. */
export interface BlockIdentity {
  ino: number;
  index: number;
  id: string;
}

function segmentAad(b: BlockIdentity, seg: number): Buffer {
  return Buffer.from(`dfs-block:${b.ino}:${b.index}:${b.id}:${seg}`);
}

/** An overlay's page: named by the slot's page number, in a domain of its own. */
function pageAad(b: BlockIdentity, page: number): Buffer {
  return Buffer.from(`dfs-page:${b.ino}:${b.index}:${b.id}:${page}`);
}

export function importBlockKey(key: Buffer): BlockKey {
  return createSecretKey(key);
}

/**
 * Seals `plain` as block `b`; into `into` (at least sealedLength bytes) when given. An
 * overlay (src/master/block-overlays.ts) passes `pages`, the slot's page number of each of
 * its 4 KiB pages: it is sealed page by page, each named by its number in the slot.
 */
export function sealBlock(key: BlockKey, b: BlockIdentity, plain: Buffer, into?: Buffer, pages?: readonly number[]): Buffer {
  const unit = pages ? PAGE : SEGMENT;
  const sealedUnit = unit + SEGMENT_OVERHEAD;
  const n = segmentCount(plain.length, unit);
  const size = sealedLength(plain.length, unit);
  const out = into ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  const nonces = randomBytes(NONCE * n);
  for (let i = 0; i < n; i++) {
    const at = i * sealedUnit;
    const nonce = nonces.subarray(i * NONCE, (i + 1) * NONCE);
    const seg = plain.subarray(i * unit, (i + 1) * unit);
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG });
    cipher.setAAD(pages ? pageAad(b, pages[i]) : segmentAad(b, i));
    nonce.copy(out, at);
    cipher.update(seg).copy(out, at + NONCE);
    cipher.final();
    cipher.getAuthTag().copy(out, at + NONCE + seg.length);
  }
  return out;
}

/**
 * Opens stored segments first..last of block `b` (`sealed` must be exactly those), whose
 * plaintext is `plainLength` bytes in all, and returns each segment's plaintext as OpenSSL
 * hands it over: joining them would cost a 4 MiB copy per block, and a fresh 4 MiB buffer
 * that V8 counts towards its next full garbage collection. EIO when any segment was
 * altered, moved, cut short or belongs elsewhere. The whole block is segments
 * 0..segmentCount(plainLength) - 1. An overlay's `pages` are as sealBlock's, and first..last
 * are positions among them.
 */
export function openSegments(key: BlockKey, b: BlockIdentity, plainLength: number, first: number, last: number, sealed: Buffer, pages?: readonly number[]): Buffer[] {
  const unit = pages ? PAGE : SEGMENT;
  const sealedUnit = unit + SEGMENT_OVERHEAD;
  const expect = sealedRange(plainLength, first, last, unit);
  if (first > last || sealed.length !== expect.length) {
    throw new DfsError('EIO', `block ${b.index}: ${sealed.length} stored bytes where ${expect.length} were expected`);
  }
  const out: Buffer[] = [];
  try {
    for (let k = 0; k <= last - first; k++) {
      const seg = sealed.subarray(k * sealedUnit, (k + 1) * sealedUnit);
      const decipher = createDecipheriv(CIPHER, key, seg.subarray(0, NONCE), { authTagLength: TAG });
      decipher.setAAD(pages ? pageAad(b, pages[first + k]) : segmentAad(b, first + k));
      decipher.setAuthTag(seg.subarray(seg.length - TAG));
      out.push(decipher.update(seg.subarray(NONCE, seg.length - TAG)));
      decipher.final();
    }
  } catch {
    throw new DfsError('EIO', `block ${b.index} failed its integrity check`);
  }
  return out;
}
