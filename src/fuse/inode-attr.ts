// Attributes, times, open flags and file system sizes between dfs's shapes and the kernel's.
// dfs keeps times in milliseconds; the kernel takes seconds and nanoseconds. Owners are
// shown through the mount's id map.
import { constants } from 'node:fs';
import type { IdMap } from '../client/id-map.js';
import type { OpenFlags } from '../client/types.js';
import type { Attr, FileTime, StatFs } from '../protocol/types.js';
import { DEFAULTS } from '../defaults.js';
import type { InodeAttr, StatfsReply, Timespec } from './lowlevel-ops.js';

/** The preferred I/O size: one FUSE request (max_write), so cp and cat ask in those units. */
const IO_SIZE = DEFAULTS.fuseMaxWrite;

/** Milliseconds since the epoch (negative before 1970) as seconds and nanoseconds. */
function timespecOf(ms: number): Timespec {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** A time the kernel asks to set, as dfs keeps it (whole milliseconds; 'now' is the master's clock). */
export function fileTimeOf(t: Timespec | 'now' | undefined): FileTime {
  if (t === undefined || t === 'now') return t;
  return t.sec * 1000 + Math.floor(t.nsec / 1e6);
}

export function inodeAttr(a: Attr, ids: IdMap): InodeAttr {
  const shown = ids.localAttr(a);
  return {
    ino: a.ino,
    mode: a.mode,
    nlink: a.nlink,
    uid: shown.uid,
    gid: shown.gid,
    // the S_IF* type is in a.mode already (FIFOs, sockets and devices too); devices have their number
    ...(a.rdev ? { rdev: a.rdev } : {}),
    size: a.size,
    // st_blocks counts 512-byte units actually stored; dfs does not track holes per file, so
    // it reports the apparent size (as many network file systems do)
    blocks: Math.ceil(a.size / 512),
    blksize: IO_SIZE,
    atime: timespecOf(a.atime),
    mtime: timespecOf(a.mtime),
    ctime: timespecOf(a.ctime),
  };
}

export function openFlags(flags: number): OpenFlags {
  const mode = flags & 3; // O_ACCMODE
  return {
    read: mode !== constants.O_WRONLY,
    write: mode !== constants.O_RDONLY,
    append: (flags & constants.O_APPEND) !== 0,
    // the kernel passes O_TRUNC only with atomic_o_trunc; the master then empties the file
    truncate: (flags & constants.O_TRUNC) !== 0,
  };
}

export function statfsReply(s: StatFs): StatfsReply {
  const frsize = 4096;
  return {
    bsize: IO_SIZE,
    frsize,
    blocks: Math.floor(s.capacity / frsize),
    bfree: Math.floor(s.free / frsize),
    bavail: Math.floor(s.free / frsize),
    files: s.files,
    // dfs sets no limit on inodes: as many as the 32-bit counters df reads can show
    ffree: Math.max(0, 2 ** 32 - 1 - s.files),
    namemax: DEFAULTS.maxNameBytes,
  };
}
