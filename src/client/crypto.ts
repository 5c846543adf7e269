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
import { SEGMENT, SEGMENT_OVERHEAD, sealedLength, sealedRange, segmentCount } from '../protocol/block-format.js';
import { DfsError } from '../rpc/errors.js';

const NONCE = 12;
const TAG = 16;
const SEALED_SEGMENT = SEGMENT + SEGMENT_OVERHEAD;
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

export function importBlockKey(key: Buffer): BlockKey {
  return createSecretKey(key);
}

/**
 * Seals `plain` as block `b`; into `into` (at least sealedLength bytes) when given. An
 * overlay (src/master/block-overlays.ts) passes `numbers`, the slot's segment number of each
 * of its segments, which its associated data names in place of the position.
 */
export function sealBlock(key: BlockKey, b: BlockIdentity, plain: Buffer, into?: Buffer, numbers?: readonly number[]): Buffer {
  const n = segmentCount(plain.length);
  const size = sealedLength(plain.length);
  const out = into ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  const nonces = randomBytes(NONCE * n);
  for (let i = 0; i < n; i++) {
    const at = i * SEALED_SEGMENT;
    const nonce = nonces.subarray(i * NONCE, (i + 1) * NONCE);
    const seg = plain.subarray(i * SEGMENT, (i + 1) * SEGMENT);
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG });
    cipher.setAAD(segmentAad(b, numbers ? numbers[i] : i));
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
 * 0..segmentCount(plainLength) - 1. An overlay's `numbers` are as sealBlock's.
 */
export function openSegments(key: BlockKey, b: BlockIdentity, plainLength: number, first: number, last: number, sealed: Buffer, numbers?: readonly number[]): Buffer[] {
  const expect = sealedRange(plainLength, first, last);
  if (first > last || sealed.length !== expect.length) {
    throw new DfsError('EIO', `block ${b.index}: ${sealed.length} stored bytes where ${expect.length} were expected`);
  }
  const out: Buffer[] = [];
  try {
    for (let k = 0; k <= last - first; k++) {
      const seg = sealed.subarray(k * SEALED_SEGMENT, (k + 1) * SEALED_SEGMENT);
      const decipher = createDecipheriv(CIPHER, key, seg.subarray(0, NONCE), { authTagLength: TAG });
      decipher.setAAD(segmentAad(b, numbers ? numbers[first + k] : first + k));
      decipher.setAuthTag(seg.subarray(seg.length - TAG));
      out.push(decipher.update(seg.subarray(NONCE, seg.length - TAG)));
      decipher.final();
    }
  } catch {
    throw new DfsError('EIO', `block ${b.index} failed its integrity check`);
  }
  return out;
}
