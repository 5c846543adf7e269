// Path checks and resolution. Paths arrive absolute and normalised; anything else is
// refused with the errno a local file system would give.
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { str } from '../rpc/params.js';

/** A path field of a request, up to the longest absolute path the master takes (splitPath counts its bytes). */
export function pathField(meta: Meta, key: string): string {
  return str(meta, key, DEFAULTS.maxTreePathBytes);
}

export function splitPath(p: string): string[] {
  if (Buffer.byteLength(p) > DEFAULTS.maxTreePathBytes) throw new DfsError('ENAMETOOLONG', 'path is too long');
  if (!p.startsWith('/')) throw new DfsError('EINVAL', `path must be absolute: ${p}`);
  if (p.includes('\0')) throw new DfsError('EINVAL', 'path contains NUL');
  const parts = p.split('/').filter((s) => s.length > 0);
  for (const name of parts) checkName(name);
  return parts;
}

export function checkName(name: string): void {
  if (name === '.' || name === '..') throw new DfsError('EINVAL', `'${name}' is not a name`);
  if (name.includes('/') || name.includes('\0')) throw new DfsError('EINVAL', 'name contains / or NUL');
  if (Buffer.byteLength(name) > DEFAULTS.maxNameBytes) throw new DfsError('ENAMETOOLONG', 'name is too long');
}
