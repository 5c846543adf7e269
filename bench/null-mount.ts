// A do-nothing file system on fuse-native, mounted with the same options as `dfs mount`:
// writes are dropped, reads hand back the kernel's buffer unfilled, files are names and
// sizes in a Map. What the benchmark measures on it is the ceiling fuse-native and the
// kernel set on this machine before dfs does any work: `node null-mount.js MOUNTPOINT`.
import type { FuseOps, FuseStat } from 'fuse-native';
import { DfsFuse, fuseOptionList } from '../src/fuse/mount.js';

const mountpoint = process.argv[2];
const files = new Map<string, number>();
const now = Date.now();
const stat = (mode: number, size: number): FuseStat => ({
  mode,
  uid: 0,
  gid: 0,
  size,
  nlink: 1,
  ino: 0,
  blksize: 131072,
  blocks: Math.ceil(size / 512),
  atime: now,
  mtime: now,
  ctime: now,
});
const ENOENT = -2;
const ok = (cb: (errno: number) => void): void => cb(0);

const ops: FuseOps = {
  getattr: (p, cb) => {
    if (p === '/' || p === '/files') return cb(0, stat(0o40755, 4096));
    const size = files.get(p);
    return size === undefined ? cb(ENOENT) : cb(0, stat(0o100644, size));
  },
  fgetattr: (p, _fd, cb) => cb(0, stat(0o100644, files.get(p) ?? 0)),
  readdir: (_p, cb) => cb(0, []),
  mkdir: (_p, _m, cb) => ok(cb),
  create: (p, _m, cb) => {
    files.set(p, 0);
    cb(0, 1);
  },
  open: (_p, _f, cb) => cb(0, 1),
  read: (p, _fd, _buf, len, pos, cb) => cb(Math.max(0, Math.min(len, (files.get(p) ?? 0) - pos))),
  write: (p, _fd, _buf, len, pos, cb) => {
    files.set(p, Math.max(files.get(p) ?? 0, pos + len));
    cb(len);
  },
  truncate: (p, size, cb) => {
    files.set(p, size);
    cb(0);
  },
  ftruncate: (p, _fd, size, cb) => {
    files.set(p, size);
    cb(0);
  },
  unlink: (p, cb) => {
    files.delete(p);
    cb(0);
  },
  flush: (_p, _fd, cb) => ok(cb),
  fsync: (_p, _d, _fd, cb) => ok(cb),
  release: (_p, _fd, cb) => ok(cb),
  utimens: (_p, _a, _m, cb) => ok(cb),
  chmod: (_p, _m, cb) => ok(cb),
};

const fuse = new DfsFuse(mountpoint, ops, {}, fuseOptionList({}));
fuse.mount((err) => {
  if (err) {
    process.stderr.write(`null mount failed: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`mounted: ${mountpoint}\n`);
});
process.on('SIGTERM', () => fuse.unmount(() => process.exit(0)));
