// The numbers that cross into the low-level addon, laid out once. Replies carry
// attributes, entries, statfs and locks as a Float64Array whose slots are named here and,
// identically, at the top of native/fuse-lowlevel.c (A_*, E_*, D_*); the bit values are
// libfuse 3.14's (fuse_common.h, fuse_lowlevel.h). Doubles hold every inode number,
// handle, size and offset below 2^53 exactly, and times as whole seconds plus nanoseconds.
import type { Entry, InodeAttr, NegativeEntry, StatfsReply, FileLock } from './lowlevel-ops.js';

// attributes: ino mode nlink uid gid rdev size blocks blksize atime(s,ns) mtime(s,ns) ctime(s,ns)
const ATTR_LEN = 15;
// an entry: the attributes, then node id, generation, attribute and entry timeouts (seconds)
const E_NODEID = 15;
const E_GENERATION = 16;
const E_ATTR_TIMEOUT = 17;
const E_ENTRY_TIMEOUT = 18;
export const ENTRY_LEN = 19;
// an attribute reply: the attributes, then their timeout
export const ATTR_REPLY_LEN = 16;
// a readdir entry: ino, mode, next offset (D_LEN 3); a readdirplus entry: an entry, then the next offset
export const DIRENTPLUS_LEN = ENTRY_LEN + 1;
export const STATFS_LEN = 11;
export const LOCK_LEN = 5;

/** Open reply flags (fuse_file_info bits). */
export const OPEN_BITS = { directIo: 1, keepCache: 2, nonseekable: 4, cacheReaddir: 8, noflush: 16 } as const;

/** setattr's `valid` bits (FUSE_SET_ATTR_*). */
export const SET_ATTR = {
  mode: 1 << 0,
  uid: 1 << 1,
  gid: 1 << 2,
  size: 1 << 3,
  atime: 1 << 4,
  mtime: 1 << 5,
  atimeNow: 1 << 7,
  mtimeNow: 1 << 8,
  ctime: 1 << 10,
  killSuid: 1 << 11,
  killSgid: 1 << 12,
} as const;

/** Connection capabilities (FUSE_CAP_*). */
export const CAP = {
  asyncRead: 1 << 0,
  posixLocks: 1 << 1,
  atomicOTrunc: 1 << 3,
  exportSupport: 1 << 4,
  dontMask: 1 << 6,
  spliceWrite: 1 << 7,
  spliceMove: 1 << 8,
  spliceRead: 1 << 9,
  flockLocks: 1 << 10,
  ioctlDir: 1 << 11,
  autoInvalData: 1 << 12,
  readdirplus: 1 << 13,
  readdirplusAuto: 1 << 14,
  asyncDio: 1 << 15,
  writebackCache: 1 << 16,
  noOpenSupport: 1 << 17,
  parallelDirops: 1 << 18,
  posixAcl: 1 << 19,
  handleKillpriv: 1 << 20,
  cacheSymlinks: 1 << 23,
  noOpendirSupport: 1 << 24,
  explicitInvalData: 1 << 25,
  expireOnly: 1 << 26,
} as const;

/** The addon's notification kinds. */
export const NOTIFY = { invalInode: 0, invalEntry: 1, delete: 2 } as const;

function putAttr(out: Float64Array, at: number, a: InodeAttr): void {
  out[at] = a.ino;
  out[at + 1] = a.mode;
  out[at + 2] = a.nlink;
  out[at + 3] = a.uid;
  out[at + 4] = a.gid;
  out[at + 5] = a.rdev ?? 0;
  out[at + 6] = a.size;
  out[at + 7] = a.blocks ?? Math.ceil(a.size / 512);
  out[at + 8] = a.blksize ?? 0;
  out[at + 9] = a.atime.sec;
  out[at + 10] = a.atime.nsec;
  out[at + 11] = a.mtime.sec;
  out[at + 12] = a.mtime.nsec;
  out[at + 13] = a.ctime.sec;
  out[at + 14] = a.ctime.nsec;
}

export function packAttrReply(out: Float64Array, attr: InodeAttr, timeout: number): Float64Array {
  putAttr(out, 0, attr);
  out[ATTR_LEN] = timeout;
  return out;
}

/** An entry at `at`; a negative one (ino 0) caches the name's absence for its entryTimeout. */
export function putEntry(out: Float64Array, at: number, e: Entry | NegativeEntry): void {
  if (!('attr' in e)) {
    const ino: number = e.ino; // 0 by its type; anything else is a malformed answer
    if (ino !== 0) throw new TypeError(`an entry for inode ${ino} without attributes`);
    out.fill(0, at, at + ENTRY_LEN);
  } else {
    putAttr(out, at, e.attr);
    out[at + E_GENERATION] = e.generation ?? 0;
    out[at + E_ATTR_TIMEOUT] = e.attrTimeout;
  }
  out[at + E_NODEID] = e.ino;
  out[at + E_ENTRY_TIMEOUT] = e.entryTimeout;
}

export function packStatfs(out: Float64Array, s: StatfsReply): Float64Array {
  out.set([s.bsize, s.frsize ?? s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.favail ?? s.ffree, s.fsid ?? 0, s.flag ?? 0, s.namemax ?? 255]);
  return out;
}

export function packLock(out: Float64Array, l: FileLock): Float64Array {
  out.set([l.type, 0 /* SEEK_SET */, l.start, l.len, l.pid]);
  return out;
}
