// Attribute values as getfattr(1) prints them and setfattr(1) reads them, so that `dfs xattr`
// output and input mean what they mean to those tools (and a dump can be fed back): text in
// double quotes (NUL, newline and CR as \ooo, `"` and `\` escaped), `0x` hex, `0s` base64.
import { UsageError } from './errors.js';

const ENCODINGS = ['text', 'hex', 'base64'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export function parseEncoding(s: string): Encoding {
  const e = ENCODINGS.find((x) => x === s);
  if (!e) throw new UsageError(`encoding must be one of ${ENCODINGS.join(', ')}: ${s}`);
  return e;
}

/** A C string's terminating NUL, which getfattr leaves out of the text (and of its judgement of it). */
function withoutTrailingNul(v: Buffer): Buffer {
  return v.length > 0 && v[v.length - 1] === 0 ? v.subarray(0, v.length - 1) : v;
}

/** getfattr's choice without -e: text unless more than one byte in eight is not printable. */
function looksLikeText(v: Buffer): boolean {
  const body = withoutTrailingNul(v);
  let unprintable = 0;
  for (const b of body) if (b < 0x20 || b > 0x7e) unprintable++;
  return body.length >= unprintable * 8;
}

/** `value` as getfattr -e `encoding` prints it (without -e: its own choice of text or base64). */
export function encodeValue(value: Buffer, encoding?: Encoding): Buffer {
  const e = encoding ?? (looksLikeText(value) ? 'text' : 'base64');
  if (e === 'hex') return Buffer.from(`0x${value.toString('hex')}`);
  if (e === 'base64') return Buffer.from(`0s${value.toString('base64')}`);
  const out: number[] = [0x22];
  for (const b of withoutTrailingNul(value)) {
    if (b === 0 || b === 0x0a || b === 0x0d) out.push(0x5c, ...Buffer.from(b.toString(8).padStart(3, '0')));
    else if (b === 0x22 || b === 0x5c) out.push(0x5c, b);
    else out.push(b);
  }
  out.push(0x22);
  return Buffer.from(out);
}

const bad = (s: string): UsageError => new UsageError(`bad value encoding (0x takes pairs of hex digits, 0s padded base64): ${s}`);

/**
 * A VALUE argument as setfattr -v reads it: `0x…` hex (spaces allowed), `0s…` base64, `"…"`
 * text with \ooo, \" and \\ escapes, anything else the text itself.
 */
export function decodeValue(s: string): Buffer {
  const prefix = s.slice(0, 2).toLowerCase();
  if (prefix === '0x') {
    const hex = s.slice(2).replace(/\s/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw bad(s);
    return Buffer.from(hex, 'hex');
  }
  if (prefix === '0s') {
    const b64 = s.slice(2);
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw bad(s);
    return Buffer.from(b64, 'base64');
  }
  const bytes = Buffer.from(s);
  if (bytes.length < 2 || bytes[0] !== 0x22 || bytes[bytes.length - 1] !== 0x22) return bytes;
  const body = bytes.subarray(1, bytes.length - 1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    const next = body[i + 1];
    if (b !== 0x5c || next === undefined) {
      out.push(b);
    } else if (next >= 0x30 && next <= 0x37) {
      // up to three octal digits, a byte's worth kept (as setfattr: \400 is 0)
      let n = 0;
      let j = i + 1;
      for (; j < body.length && j <= i + 3 && body[j] >= 0x30 && body[j] <= 0x37; j++) n = n * 8 + body[j] - 0x30;
      out.push(n & 0xff);
      i = j - 1;
    } else if (next === 0x22 || next === 0x5c) {
      out.push(next);
      i++;
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out);
}
