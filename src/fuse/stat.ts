// Attributes as the kernel wants them: dfs keeps times in milliseconds and full st_mode.
import type { FuseStat } from 'fuse-native';
import type { Attr } from '../protocol/types.js';

/** The preferred I/O size: one FUSE request (max_write), so cp and cat ask in those units. */
export const IO_SIZE = 128 * 1024;

/** uid_t/gid_t -1 as the kernel sends it in a chown: leave that id as it is. */
export const KERNEL_KEEP_ID = 0xffffffff;

export function toStat(a: Attr): FuseStat {
  return {
    mode: a.mode,
    uid: a.uid,
    gid: a.gid,
    size: a.size,
    nlink: a.nlink,
    ino: a.ino,
    // a device's number; the S_IF* type (FIFO, socket, device too) is in a.mode already
    rdev: a.rdev ?? 0,
    blksize: IO_SIZE,
    // st_blocks counts 512-byte units actually stored; holes are not stored, but dfs does
    // not track them per file, so report the apparent size (as many network file systems do)
    blocks: Math.ceil(a.size / 512),
    atime: a.atime,
    mtime: a.mtime,
    ctime: a.ctime,
  };
}

/**
 * The 18 uint32s fuse-native's native side reads a stat from (its populate_stat). A 64-bit
 * field is two words, low first; a time before 1970 (negative ms) goes as its two's
 * complement, which dfs's patched addon reads as signed.
 */
export function statArray(st: FuseStat): Uint32Array {
  const ints = new Uint32Array(18);
  const put64 = (i: number, n: number): void => {
    ints[i] = n % 4294967296;
    ints[i + 1] = Math.floor(n / 4294967296);
  };
  const ms = (t: number | Date): number => (typeof t === 'number' ? t : t.getTime());
  ints[0] = st.mode;
  ints[1] = st.uid;
  ints[2] = st.gid;
  put64(3, st.size);
  ints[5] = st.dev ?? 0;
  ints[6] = st.nlink;
  ints[7] = st.ino;
  ints[8] = st.rdev ?? 0;
  ints[9] = st.blksize;
  put64(10, st.blocks);
  put64(12, ms(st.atime));
  put64(14, ms(st.mtime));
  put64(16, ms(st.ctime));
  return ints;
}
