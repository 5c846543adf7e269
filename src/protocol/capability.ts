// Block access tokens, as HDFS has them: the master signs "op on block until t" with a key
// it shares only with storage nodes; a node serves a block only against a valid token.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type BlockOp = 'r' | 'w';

function mac(key: Buffer, op: BlockOp, id: string, expires: number): string {
  return createHmac('sha256', key).update(`${op}:${id}:${expires}`).digest('base64url');
}

export function signCapability(key: Buffer, op: BlockOp, id: string, expires: number): string {
  return `${expires}.${mac(key, op, id, expires)}`;
}

/** Why a capability is refused, or null when it is good. */
export function checkCapability(key: Buffer, cap: unknown, op: BlockOp, id: string, now: number): string | null {
  if (typeof cap !== 'string') return 'no capability';
  const dot = cap.indexOf('.');
  const expires = Number(cap.slice(0, dot));
  if (dot <= 0 || !Number.isSafeInteger(expires)) return 'malformed capability';
  if (expires <= now) return 'capability expired';
  const want = Buffer.from(mac(key, op, id, expires));
  const got = Buffer.from(cap.slice(dot + 1));
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'capability not valid for this block';
  return null;
}
