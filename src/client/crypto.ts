// Block encryption: AES-256-GCM under the file's data key, a fresh 96-bit nonce per block,
// and the block's identity as associated data so a block cannot be swapped or replayed.
//   stored block = nonce (12) | ciphertext | tag (16)
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DfsError } from '../rpc/errors.js';

const NONCE = 12;
const TAG = 16;
export const BLOCK_OVERHEAD = NONCE + TAG;

export function blockAad(ino: number, index: number, id: string): Buffer {
  return Buffer.from(`dfs-block:${ino}:${index}:${id}`);
}

export function encryptBlock(key: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const out = Buffer.allocUnsafe(NONCE + plain.length + TAG);
  nonce.copy(out, 0);
  const body = c.update(plain);
  body.copy(out, NONCE);
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
    const plain = d.update(sealed.subarray(NONCE, sealed.length - TAG));
    d.final();
    return plain;
  } catch {
    throw new DfsError('EIO', 'block failed its integrity check');
  }
}
