// The calls of a modern file system on ranges of an open file: fallocate (reserve, punch a
// hole, zero a range), lseek's SEEK_DATA and SEEK_HOLE, and copy_file_range, over the
// backend's open files. The kernel checks most arguments first (vfs_fallocate,
// generic_copy_file_checks); they are checked here again with the errno Linux gives, since
// only the open file knows its size with this mount's unflushed writes, and its largest size.
// dfs allocates a block when it is written, so there is nothing to reserve: a plain
// fallocate sets the size and no more; a punched hole or a zeroed range is written zeros;
// every byte below the size counts as data (as in many FUSE file systems), which is true to
// what reads answer; and a copy is read from one open file and written to the other.
import { DfsError } from '../rpc/errors.js';
import type { MountFile } from '../client/mount-api.js';
import type { InodeContext } from './inode-context.js';
import type { LowLevelOps } from './lowlevel-ops.js';
import { changing } from './open-files.js';

export type RangeOps = Required<Pick<LowLevelOps, 'fallocate' | 'lseek' | 'copyFileRange'>>;

// fallocate(2)'s modes (linux/falloc.h)
const KEEP_SIZE = 0x01;
const PUNCH_HOLE = 0x02;
const ZERO_RANGE = 0x10;

const SEEK_DATA = 3;
const SEEK_HOLE = 4;

/** The most one copy_file_range moves, as Linux caps every read and write (MAX_RW_COUNT). */
const MAX_COPY = 0x7ffff000;
/** A copy goes through memory this much at a time. */
const COPY_CHUNK = 4 << 20;

/**
 * Copies `count` bytes from `src` at `from` to `dst` at `to`, a chunk at a time, and answers
 * how many went: fewer when the source ends first, the destination takes fewer, or the caller
 * is interrupted; a failure after some bytes answers those, as Linux does.
 */
async function copyRange(src: MountFile, from: number, dst: MountFile, to: number, count: number, signal: AbortSignal): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, count));
  let done = 0;
  while (done < count) {
    if (signal.aborted) {
      if (done > 0) break;
      throw new DfsError('EINTR', 'copy_file_range interrupted');
    }
    // pieces end at the destination's multiples of the chunk, so whole blocks are written whole
    const want = Math.min(count - done, COPY_CHUNK - ((to + done) % COPY_CHUNK));
    let wrote: number;
    let read: number;
    try {
      read = await src.readInto(from + done, buf.subarray(0, want));
      if (read === 0) break;
      wrote = await dst.write(to + done, buf.subarray(0, read));
    } catch (err) {
      if (done > 0) break;
      throw err;
    }
    done += wrote;
    if (read < want || wrote < read) break;
  }
  return done;
}

export function rangeOps(ctx: InodeContext): RangeOps {
  const { files } = ctx;
  return {
    fallocate: async (_req, _ino, mode, offset, length, fh) => {
      if (offset < 0 || length <= 0) throw new DfsError('EINVAL', 'fallocate needs an offset of 0 or more and a length above 0');
      if (mode & ~(KEEP_SIZE | PUNCH_HOLE | ZERO_RANGE)) throw new DfsError('ENOTSUP', `fallocate mode ${mode.toString(16)}: dfs neither collapses, inserts nor unshares ranges`);
      if (mode & PUNCH_HOLE && mode & ZERO_RANGE) throw new DfsError('ENOTSUP', 'fallocate: punch hole and zero range at once');
      if (mode & PUNCH_HOLE && !(mode & KEEP_SIZE)) throw new DfsError('ENOTSUP', 'fallocate: a punched hole keeps the size (FALLOC_FL_KEEP_SIZE)');
      const e = files.get(fh);
      if (!e.file.flags.write) throw new DfsError('EBADF', 'fallocate: the file is not open for writing');
      const end = offset + length;
      if (end > e.file.maxSize) throw new DfsError('EFBIG', `a file holds at most ${e.file.maxSize} bytes`);
      const size = e.file.getattr().size;
      // zeros only where there are bytes; past the end of the file a larger size reads as zeros
      const zeroEnd = mode & (PUNCH_HOLE | ZERO_RANGE) ? Math.min(end, size) : offset;
      const grow = !(mode & KEEP_SIZE) && end > size;
      if (zeroEnd <= offset && !grow) return;
      // from now on stat answers from the file (its size may be ahead of the master's)
      changing(e);
      if (zeroEnd > offset) await e.file.zero(offset, zeroEnd - offset);
      if (grow) await e.file.truncate(end);
    },

    lseek: (_req, _ino, offset, whence, fh) => {
      if (whence !== SEEK_DATA && whence !== SEEK_HOLE) throw new DfsError('EINVAL', `lseek whence ${whence}`);
      const size = files.get(fh).file.getattr().size;
      if (offset < 0 || offset >= size) throw new DfsError('ENXIO', `lseek at ${offset}: the file ends at ${size}`);
      return whence === SEEK_DATA ? offset : size;
    },

    copyFileRange: (req, inoIn, offIn, fhIn, inoOut, offOut, fhOut, len, flags) => {
      if (flags !== 0) throw new DfsError('EINVAL', 'copy_file_range takes no flags');
      const src = files.get(fhIn).file;
      const out = files.get(fhOut);
      const dst = out.file;
      if (!src.flags.read || !dst.flags.write || dst.flags.append)
        throw new DfsError('EBADF', 'copy_file_range: a source open for reading, a destination open for writing and not for append');
      if (offIn < 0 || offOut < 0) throw new DfsError('EINVAL', 'copy_file_range: a negative offset');
      // as generic_copy_file_checks: shortened to the source's end, then to the largest size
      let count = Math.min(len, MAX_COPY, Math.max(0, src.getattr().size - offIn));
      if (count === 0) return 0;
      if (offOut >= dst.maxSize) throw new DfsError('EFBIG', `a file holds at most ${dst.maxSize} bytes`);
      count = Math.min(count, dst.maxSize - offOut);
      if (inoIn === inoOut && offOut + count > offIn && offOut < offIn + count) throw new DfsError('EINVAL', 'copy_file_range: overlapping ranges of one file');
      changing(out);
      return copyRange(src, offIn, dst, offOut, count, req.signal);
    },
  };
}
