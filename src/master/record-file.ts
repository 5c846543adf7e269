// The layout the master's journal segments and snapshots share:
//
//   file   = header | frame*
//   header = magic (8 ASCII bytes) | u32 BE format version | u32 BE reserved (0)        16 bytes
//   frame  = u32 BE payload length | u32 BE CRC-32 of the payload | payload (UTF-8 JSON)
//
// A crash can tear only the end of a file that is being appended to; the length and the
// checksum find where the good frames stop, so a reader never hands out half a frame.
import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { DEFAULTS } from '../defaults.js';

export const HEADER_BYTES = 16;
export const FRAME_HEADER_BYTES = 8;

export interface FileFormat {
  /** Exactly 8 ASCII characters. */
  magic: string;
  /** The version written. */
  version: number;
  /** Older versions this build still reads (their files are pinned by fixtures in test/fixtures). */
  alsoReads?: readonly number[];
  /** What the file is, for error messages. */
  what: string;
}

// Journal version 2 has the trash's records (mktrash, trash, restore, purge): an older build,
// which would skip them (MasterState.apply skips ops it does not know) and so put trashed
// files back in their directories, refuses the segment instead. Version 1 segments read as
// they are. Snapshot version 2 added the 'requests' and 'trash' frames, which a version-1
// reader refuses; suspect copies ride in the blocks frame, which it reads without them.
export const JOURNAL_FORMAT: FileFormat = { magic: 'DFSJRNL\n', version: 2, alsoReads: [1], what: 'journal segment' };
export const SNAPSHOT_FORMAT: FileFormat = { magic: 'DFSSNAP\n', version: 2, alsoReads: [1], what: 'snapshot' };

/** A file that is not what it claims to be, or a version this build cannot read. */
export class FormatError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'FormatError';
  }
}

export function encodeHeader(f: FileFormat): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(f.magic, 0, 8, 'latin1');
  b.writeUInt32BE(f.version, 8);
  return b;
}

/** Frames one JSON value. */
export function encodeRecordFrame(value: unknown): Buffer {
  const json = JSON.stringify(value);
  const len = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + len);
  out.write(json, FRAME_HEADER_BYTES, len, 'utf8');
  out.writeUInt32BE(len, 0);
  out.writeUInt32BE(crc32(out.subarray(FRAME_HEADER_BYTES)), 4);
  return out;
}

export interface ScanResult {
  /** Bytes in the file. */
  size: number;
  /** Offset just past the last good frame: where the file should end. */
  goodEnd: number;
  frames: number;
  /** Whether the header itself was torn (file shorter than a header): an empty file in effect. */
  headerTorn: boolean;
}

/**
 * Reads every good frame of `file` in order, handing each parsed payload to `onFrame`.
 * Stops at the first torn or damaged frame and reports where the good part ends; the
 * caller decides whether a bad tail is a crash's leftover or damage.
 */
export function scanFrames(file: string, format: FileFormat, onFrame: (value: unknown, offset: number) => void): ScanResult {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < HEADER_BYTES) return { size, goodEnd: 0, frames: 0, headerTorn: true };
    const header = Buffer.alloc(HEADER_BYTES);
    fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    if (header.toString('latin1', 0, 8) !== format.magic) throw new FormatError(file, `not a dfs ${format.what}`);
    const version = header.readUInt32BE(8);
    if (version !== format.version && !format.alsoReads?.includes(version)) {
      const reads = [...(format.alsoReads ?? []), format.version].join(', ');
      throw new FormatError(file, `${format.what} format version ${version}; this dfs reads version ${reads}`);
    }
    const reader = new ChunkReader(fd, HEADER_BYTES, size);
    let frames = 0;
    let at = HEADER_BYTES;
    for (;;) {
      const head = reader.take(FRAME_HEADER_BYTES);
      if (!head) break;
      const len = head.readUInt32BE(0);
      const sum = head.readUInt32BE(4);
      if (len > DEFAULTS.maxFrameBytes) break;
      const body = reader.take(len);
      if (!body || crc32(body) !== sum) break;
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        break; // a checksum collision on garbage; treat as damage like any other
      }
      onFrame(value, at);
      frames++;
      at += FRAME_HEADER_BYTES + len;
    }
    return { size, goodEnd: at, frames, headerTorn: false };
  } finally {
    fs.closeSync(fd);
  }
}

/** Sequential reads in large chunks into one reused buffer, so a snapshot of millions of frames costs few syscalls. */
class ChunkReader {
  private buf: Buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  private start = 0;
  private end = 0;

  constructor(
    private readonly fd: number,
    private pos: number,
    private readonly size: number,
  ) {}

  /** The next `n` bytes, or undefined when the file ends first. Valid until the next call. */
  take(n: number): Buffer | undefined {
    if (this.end - this.start < n) {
      const have = this.end - this.start;
      if (this.pos + (n - have) > this.size) return undefined;
      if (n > this.buf.length) {
        const bigger = Buffer.allocUnsafe(n);
        this.buf.copy(bigger, 0, this.start, this.end);
        this.buf = bigger;
      } else this.buf.copy(this.buf, 0, this.start, this.end);
      this.start = 0;
      this.end = have;
      while (this.end < this.buf.length && this.pos < this.size) {
        const got = fs.readSync(this.fd, this.buf, this.end, Math.min(this.buf.length - this.end, this.size - this.pos), this.pos);
        if (got === 0) break;
        this.end += got;
        this.pos += got;
      }
      if (this.end < n) return undefined;
    }
    const out = this.buf.subarray(this.start, this.start + n);
    this.start += n;
    return out;
  }
}
