// Directory listings for readdir and readdirplus. The kernel asks for `size` bytes of
// entries from an offset; a file system adds entries to one of these until add() says it
// is full, and the kernel asks again from the last added entry's `next`. The sizes are
// those of the kernel's records (struct fuse_dirent and fuse_direntplus in
// <linux/fuse.h>: a fixed part, the name, padded to 8 bytes), so that add() knows before
// the addon encodes them with libfuse's own fuse_add_direntry(_plus).
import { DfsError } from '../rpc/errors.js';
import { DIRENTPLUS_LEN, putEntry } from './lowlevel-layout.js';
import type { DirEntry, DirOut, DirPlusEntry } from './lowlevel-ops.js';

/** offsetof(struct fuse_dirent, name): ino, off, namelen, type. */
const DIRENT_HEADER = 24;
/** sizeof(struct fuse_entry_out) before the dirent. */
const ENTRY_OUT = 128;
/** FUSE_NAME_MAX in the kernel; names travel through a buffer of that size. */
const NAME_MAX_BYTES = 1023;

function recordSize(header: number, name: string): number {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > NAME_MAX_BYTES || name.includes('/') || name.includes('\0')) {
    throw new DfsError('EINVAL', `not a directory entry name: ${JSON.stringify(name)}`);
  }
  return (header + bytes + 7) & ~7;
}

abstract class Listing {
  private used = 0;
  /** The names added, in order (for the addon). */
  readonly names: string[] = [];

  /** `size`: the bytes the kernel asked for. */
  constructor(readonly size: number) {}

  get count(): number {
    return this.names.length;
  }

  get full(): boolean {
    return this.size - this.used < DIRENT_HEADER + 8;
  }

  protected fits(header: number, name: string): boolean {
    const need = recordSize(header, name);
    if (need > this.size - this.used) return false;
    this.used += need;
    this.names.push(name);
    return true;
  }

  /** The entries' numbers as the addon reads them. */
  abstract packed(): Float64Array;
}

export class DirBuffer extends Listing implements DirOut<DirEntry> {
  private readonly numbers: number[] = [];

  /** Adds the entry when it fits; false means full: stop, the kernel continues from the last added entry. */
  add(e: DirEntry): boolean {
    if (!this.fits(DIRENT_HEADER, e.name)) return false;
    this.numbers.push(e.ino, e.mode, e.next);
    return true;
  }

  packed(): Float64Array {
    return Float64Array.from(this.numbers);
  }
}

/** readdirplus: every added entry other than "." and ".." counts as a lookup of its inode. */
export class DirPlusBuffer extends Listing implements DirOut<DirPlusEntry> {
  private readonly entries: DirPlusEntry[] = [];

  add(e: DirPlusEntry): boolean {
    if (!this.fits(ENTRY_OUT + DIRENT_HEADER, e.name)) return false;
    this.entries.push(e);
    return true;
  }

  packed(): Float64Array {
    const out = new Float64Array(this.entries.length * DIRENTPLUS_LEN);
    this.entries.forEach((e, i) => {
      putEntry(out, i * DIRENTPLUS_LEN, e.entry);
      out[i * DIRENTPLUS_LEN + DIRENTPLUS_LEN - 1] = e.next;
    });
    return out;
  }
}
