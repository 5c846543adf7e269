// An open file descriptor: a view onto the shared OpenFile with its own access mode.
import { DfsError } from '../rpc/errors.js';
import type { OpenFile } from './open-file.js';
import type { OpenFlags } from './types.js';
import type { Attr } from '../protocol/types.js';

export class FileHandle {
  private closed = false;

  constructor(
    readonly file: OpenFile,
    readonly flags: OpenFlags,
    private readonly onClose: (h: FileHandle) => void,
  ) {}

  get ino(): number {
    return this.file.ino;
  }

  get size(): number {
    return this.file.size;
  }

  private check(write: boolean): void {
    if (this.closed) throw new DfsError('EBADF', 'file handle is closed');
    if (write && !this.flags.write) throw new DfsError('EBADF', 'file was not opened for writing');
    if (!write && !this.flags.read) throw new DfsError('EBADF', 'file was not opened for reading');
  }

  read(pos: number, length: number): Promise<Buffer> {
    this.check(false);
    return this.file.read(pos, length);
  }

  /** Reads into `dst` (FUSE's buffer) without an intermediate copy; returns the byte count. */
  readInto(pos: number, dst: Buffer): Promise<number> {
    this.check(false);
    return this.file.readInto(pos, dst);
  }

  /** Writes at `pos` (at the end of file when opened for append). */
  write(pos: number, data: Buffer): Promise<number> {
    this.check(true);
    return this.file.write(this.flags.append ? this.file.size : pos, data);
  }

  truncate(size: number): Promise<void> {
    // as Linux's ftruncate(2): a descriptor not open for writing is EINVAL, not EBADF
    if (!this.closed && !this.flags.write) throw new DfsError('EINVAL', 'file was not opened for writing');
    this.check(true);
    return this.file.truncate(size);
  }

  /**
   * Zeros over [pos, pos + length), at those offsets even when opened for append (fallocate's
   * punch and zero range): one write a block, so the blocks the range covers are written
   * whole and only the two it cuts into are read back.
   */
  async zero(pos: number, length: number): Promise<void> {
    this.check(true);
    const bs = this.file.blockSize;
    const zeros = Buffer.alloc(Math.min(bs, length));
    for (let at = pos, end = pos + length; at < end;) {
      const n = Math.min(end - at, bs - (at % bs));
      await this.file.write(at, zeros.subarray(0, n));
      at += n;
    }
  }

  /** The largest size the file can have (EFBIG past it). */
  get maxSize(): number {
    return this.file.maxSize;
  }

  getattr(): Attr {
    return this.file.view();
  }

  /** Close-to-open: when this returns, the data is on the storage nodes and at the master. */
  async flush(): Promise<void> {
    if (this.closed) throw new DfsError('EBADF', 'file handle is closed');
    if (this.flags.write) await this.file.flush();
  }

  fsync(): Promise<void> {
    return this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.onClose(this);
    }
  }
}
