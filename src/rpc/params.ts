// Typed reads of request metadata. Anything a peer sends is untrusted: a missing or
// mistyped field is EINVAL, never a crash.
import { DfsError } from './errors.js';
import type { Meta } from './frame.js';

function bad(key: string, what: string): never {
  throw new DfsError('EINVAL', `field '${key}' must be ${what}`);
}

export function str(meta: Meta, key: string, maxLength = 4096): string {
  const v = meta[key];
  if (typeof v !== 'string') bad(key, 'a string');
  if (v.length > maxLength) throw new DfsError('ENAMETOOLONG', `field '${key}' is too long`);
  return v;
}

export function optStr(meta: Meta, key: string, maxLength = 4096): string | undefined {
  return meta[key] === undefined || meta[key] === null ? undefined : str(meta, key, maxLength);
}

export function int(meta: Meta, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = meta[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    bad(key, `an integer in [${min}, ${max}]`);
  }
  return v;
}

export function optInt(meta: Meta, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return meta[key] === undefined || meta[key] === null ? undefined : int(meta, key, min, max);
}

/** The earliest file time taken, ms: that of a signed 32-bit time_t (1901-12-13), as ext4 keeps. */
const EARLIEST_TIME_MS = -(2 ** 31) * 1000;

/** A time in ms since the epoch (from 1901 on), `'now'` for the receiver's clock, or undefined (leave it). */
export function optTime(meta: Meta, key: string): number | 'now' | undefined {
  return meta[key] === 'now' ? 'now' : optInt(meta, key, EARLIEST_TIME_MS);
}

export function bool(meta: Meta, key: string): boolean {
  const v = meta[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') bad(key, 'a boolean');
  return v;
}

export function arr(meta: Meta, key: string, maxItems = 100_000): unknown[] {
  const v = meta[key];
  if (!Array.isArray(v)) bad(key, 'an array');
  if (v.length > maxItems) bad(key, `at most ${maxItems} items`);
  return v;
}

export function obj(v: unknown, key: string): Meta {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(key, 'an object');
  return v as Meta;
}
