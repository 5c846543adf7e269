// Small helpers many tests share: digests, whole-file reads, expected refusals.
import { createHash } from 'node:crypto';
import type { DfsClient } from '../../src/client/client.js';
import type { DfsError } from '../../src/rpc/errors.js';

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A whole file through the client library. */
export async function readAll(c: DfsClient, p: string): Promise<Buffer> {
  const h = await c.openFile(p, { read: true, write: false });
  try {
    return await h.read(0, h.size);
  } finally {
    await h.close();
  }
}

/** Creates (or replaces) a whole file through the client library. */
export async function writeAll(c: DfsClient, p: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const h = await c.create(p, mode);
  await h.write(0, Buffer.from(data));
  await h.close();
}

/** The error a call must fail with; a call that succeeds fails the test. */
export async function refusal(p: Promise<unknown>): Promise<DfsError> {
  try {
    await p;
  } catch (err) {
    return err as DfsError;
  }
  throw new Error('expected a refusal');
}

/** The errno a call fails with, or 'OK' when it succeeds. */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as DfsError).code;
  }
  return 'OK';
}
