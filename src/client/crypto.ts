// Block encryption: AES-256-GCM under the file's data key, a fresh 96-bit nonce per block,
// and the block's identity as associated data so a block cannot be swapped or replayed.
//   stored block = nonce (12) | ciphertext | tag (16)
import { createCipheriv, createDecipheriv, randomBytes, webcrypto, type webcrypto as WebCrypto } from 'node:crypto';
import { DfsError } from '../rpc/errors.js';

const NONCE = 12;
const TAG = 16;
export const BLOCK_OVERHEAD = NONCE + TAG;
// OpenSSL runs fastest on pieces that stay in cache; one multi-MiB update() is 2-4x slower.
const PIECE = 64 * 1024;

export function blockAad(ino: number, index: number, id: string): Buffer {
  return Buffer.from(`dfs-block:${ino}:${index}:${id}`);
}

/** Seals `plain`; into `into` (at least BLOCK_OVERHEAD bytes longer) when given. */
export function encryptBlock(key: Buffer, aad: Buffer, plain: Buffer, into?: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const out = into ? into.subarray(0, NONCE + plain.length + TAG) : Buffer.allocUnsafe(NONCE + plain.length + TAG);
  nonce.copy(out, 0);
  for (let off = 0; off < plain.length; off += PIECE) {
    c.update(plain.subarray(off, off + PIECE)).copy(out, NONCE + off);
  }
  c.final();
  c.getAuthTag().copy(out, NONCE + plain.length);
  return out;
}

/** Throws EIO when the block was altered, truncated or belongs elsewhere. */
export function decryptBlock(key: Buffer, aad: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < BLOCK_OVERHEAD) throw new DfsError('EIO', 'block is shorter than its envelope');
  try {
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const body = sealed.subarray(NONCE, sealed.length - TAG);
    const plain = Buffer.allocUnsafe(body.length);
    for (let off = 0; off < body.length; off += PIECE) {
      d.update(body.subarray(off, off + PIECE)).copy(plain, off);
    }
    d.final();
    return plain;
  } catch {
    throw new DfsError('EIO', 'block failed its integrity check');
  }
}

// The same seal, run on libuv's thread pool through WebCrypto: the JavaScript thread (which
// in the mount daemon answers every FUSE request) stays free while a block is encrypted,
// and the second core does the work. Byte for byte the format of encryptBlock/decryptBlock.
const subtle = webcrypto.subtle;

export function importBlockKey(key: Buffer): Promise<WebCrypto.CryptoKey> {
  return subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Seals `plain` off the JavaScript thread; into `into` (BLOCK_OVERHEAD bytes longer) when given. */
export async function sealBlock(key: WebCrypto.CryptoKey, aad: Buffer, plain: Buffer, into?: Buffer): Promise<Buffer> {
  const nonce = randomBytes(NONCE);
  const body = Buffer.from(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: TAG * 8 }, key, plain));
  const out = into ? into.subarray(0, NONCE + body.length) : Buffer.allocUnsafe(NONCE + body.length);
  nonce.copy(out, 0);
  body.copy(out, NONCE);
  return out;
}

/** Opens a sealed block off the JavaScript thread; EIO when it was altered or belongs elsewhere. */
export async function openBlock(key: WebCrypto.CryptoKey, aad: Buffer, sealed: Buffer): Promise<Buffer> {
  if (sealed.length < BLOCK_OVERHEAD) throw new DfsError('EIO', 'block is shorter than its envelope');
  try {
    const plain = await subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.subarray(0, NONCE), additionalData: aad, tagLength: TAG * 8 },
      key,
      sealed.subarray(NONCE),
    );
    return Buffer.from(plain);
  } catch {
    throw new DfsError('EIO', 'block failed its integrity check');
  }
}
