// Per-file data keys, wrapped under the cluster's master key. The master key is a file in
// the master's data dir (mode 0600) and never leaves the master.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Reads a secret from DIR/NAME, creating it (0600) with `make` on first start. */
export function loadOrCreateSecret(dir: string, name: string, make: () => Buffer): Buffer {
  const file = path.join(dir, name);
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = make();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
  return value;
}

export class KeyWrapper {
  constructor(private readonly masterKey: Buffer) {}

  newWrappedKey(ino: number): string {
    return this.wrap(randomBytes(32), ino);
  }

  wrap(dataKey: Buffer, ino: number): string {
    return this.seal(dataKey, `dfs-file-key:${ino}`);
  }

  unwrap(wrapped: string, ino: number): Buffer {
    return this.open(wrapped, `dfs-file-key:${ino}`);
  }

  /** Encrypts any small secret under the master key, bound to `context` (the AAD). */
  seal(secret: Buffer, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.masterKey, iv);
    c.setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(secret), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64');
  }

  open(sealed: string, context: string): Buffer {
    const raw = Buffer.from(sealed, 'base64');
    const d = createDecipheriv('aes-256-gcm', this.masterKey, raw.subarray(0, 12));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
  }

  /** A key for another purpose, derived from the master key so it never needs a file of its own. */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.masterKey).update(`dfs-derive:${purpose}`).digest();
  }
}
