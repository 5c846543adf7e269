// Block encryption: AES-256-GCM under the file's data key. A block is sealed in segments of
// 64 KiB of plaintext, each with a fresh 96-bit nonce and its own tag, so a reader can fetch
// and check just the segments it needs (a 4 KiB random read costs 64 KiB, not 4 MiB):
//
//   stored block = segment 0 | segment 1 | ... ;  segment = nonce (12) | ciphertext | tag (16)
//
// Every segment's associated data names the block and the segment (file, index in the file,
// block id, segment number), so a block or a segment cannot be swapped, moved or replayed;
// the number of segments follows from the block's size, which the master records, so a
// block cut short is caught too. The cipher runs on libuv's thread pool through WebCrypto:
// the JavaScript thread (which in the mount daemon answers every FUSE request) stays free,
// and the segments of one block are sealed on several pool threads at once.
import { randomBytes, webcrypto, type webcrypto as WebCrypto } from 'node:crypto';
import { DfsError } from '../rpc/errors.js';

const NONCE = 12;
const TAG = 16;
/** Bytes a segment's envelope adds to its plaintext. */
export const SEGMENT_OVERHEAD = NONCE + TAG;
/** Plaintext bytes per segment. Part of the stored format: changing it breaks stored blocks. */
export const SEGMENT = 64 * 1024;
const SEALED_SEGMENT = SEGMENT + SEGMENT_OVERHEAD;

const subtle = webcrypto.subtle;
export type BlockKey = WebCrypto.CryptoKey;

/** The block a segment belongs to, as its associated data names it. */
export interface BlockIdentity {
  ino: number;
  index: number;
  id: string;
}

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

function segmentAad(b: BlockIdentity, seg: number): Buffer {
  return Buffer.from(`dfs-block:${b.ino}:${b.index}:${b.id}:${seg}`);
}

export function importBlockKey(key: Buffer): Promise<BlockKey> {
  return subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Seals `plain` as block `b`; into `into` (at least sealedLength bytes) when given. */
export async function sealBlock(key: BlockKey, b: BlockIdentity, plain: Buffer, into?: Buffer): Promise<Buffer> {
  const n = segmentCount(plain.length);
  const size = sealedLength(plain.length);
  const out = into ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  const nonces = randomBytes(NONCE * n);
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const nonce = nonces.subarray(i * NONCE, (i + 1) * NONCE);
      const body = await subtle.encrypt(
        { name: 'AES-GCM', iv: nonce, additionalData: segmentAad(b, i), tagLength: TAG * 8 },
        key,
        plain.subarray(i * SEGMENT, (i + 1) * SEGMENT),
      );
      const at = i * SEALED_SEGMENT;
      nonce.copy(out, at);
      out.set(new Uint8Array(body), at + NONCE);
    }),
  );
  return out;
}

/**
 * Opens stored segments `first`, `first + 1`, ... (all of `sealed`) of block `b`, whose
 * plaintext is `plainLength` bytes in all; EIO when any was altered, moved, cut short or
 * belongs elsewhere. `sealed` is the whole block when `first` is 0 and it reaches the end.
 */
export async function openSegments(key: BlockKey, b: BlockIdentity, plainLength: number, first: number, sealed: Buffer): Promise<Buffer> {
  const last = Math.min(segmentCount(plainLength) - 1, first + Math.ceil(sealed.length / SEALED_SEGMENT) - 1);
  const expect = sealedRange(plainLength, first, last);
  if (first > last || sealed.length !== expect.length) {
    throw new DfsError('EIO', `block ${b.index}: ${sealed.length} stored bytes where ${expect.length} were expected`);
  }
  const out = Buffer.allocUnsafe(sealed.length - (last - first + 1) * SEGMENT_OVERHEAD);
  try {
    await Promise.all(
      Array.from({ length: last - first + 1 }, async (_, k) => {
        const seg = sealed.subarray(k * SEALED_SEGMENT, (k + 1) * SEALED_SEGMENT);
        const plain = await subtle.decrypt(
          { name: 'AES-GCM', iv: seg.subarray(0, NONCE), additionalData: segmentAad(b, first + k), tagLength: TAG * 8 },
          key,
          seg.subarray(NONCE),
        );
        out.set(new Uint8Array(plain), k * SEGMENT);
      }),
    );
  } catch {
    throw new DfsError('EIO', `block ${b.index} failed its integrity check`);
  }
  return out;
}
