// A do-nothing file system on dfs's low-level binding (src/fuse/lowlevel.ts), the twin of
// bench/null-mount.ts on fuse-native: writes are dropped, reads answered with zeros of the
// length asked, files are inodes with a size in a Map. Timeouts as `dfs mount` sets them
// today (entries 1 s, attributes and negative entries not cached), so what the bench
// measures is the binding, not the kernel's caches:
//   node null-lowlevel-mount.js MOUNTPOINT [SPIN_MICROS]
import { DfsError } from '../src/rpc/errors.js';
import { LowLevelSession } from '../src/fuse/lowlevel.js';
import type { AttrReply, CreateReply, Entry, InodeAttr, LowLevelOps, OpenReply, Request } from '../src/fuse/lowlevel-ops.js';

const mountpoint = process.argv[2];
const spinArg = process.argv[3];
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const ROOT = 1;
const ZEROS = Buffer.alloc(1024 * 1024);
const t0 = Date.now();
const time = { sec: Math.floor(t0 / 1000), nsec: 0 };

interface Node {
  ino: number;
  mode: number;
  size: number;
  children?: Map<string, number>;
}

const nodes = new Map<number, Node>([[ROOT, { ino: ROOT, mode: S_IFDIR | 0o755, size: 4096, children: new Map() }]]);
let nextIno = 2;

const attr = (n: Node): InodeAttr => ({
  ino: n.ino,
  mode: n.mode,
  nlink: n.children ? 2 : 1,
  uid: 0,
  gid: 0,
  size: n.size,
  blksize: 131072,
  atime: time,
  mtime: time,
  ctime: time,
});
const entry = (n: Node): Entry => ({ ino: n.ino, attr: attr(n), attrTimeout: 0, entryTimeout: 1 });
const answer = (n: Node): AttrReply => ({ attr: attr(n), timeout: 0 });

function node(ino: number): Node {
  const n = nodes.get(ino);
  if (!n) throw new DfsError('ESTALE');
  return n;
}

function child(parent: number, name: string): Node {
  const ino = node(parent).children?.get(name);
  if (ino === undefined) throw new DfsError('ENOENT');
  return node(ino);
}

function make(parent: number, name: string, mode: number): Node {
  const n: Node = { ino: nextIno++, mode, size: mode & S_IFDIR ? 4096 : 0, children: mode & S_IFDIR ? new Map() : undefined };
  nodes.set(n.ino, n);
  node(parent).children!.set(name, n.ino);
  return n;
}

// as in null-mount.ts, a directory `files` is there from the start for the small-file workload
make(ROOT, 'files', S_IFDIR | 0o755);

const opened: OpenReply = { fh: 1 };

const ops: LowLevelOps = {
  lookup: (_req: Request, parent, name) => entry(child(parent, name)),
  getattr: (_req, ino) => answer(node(ino)),
  setattr: (_req, ino, c) => {
    const n = node(ino);
    if (c.size !== undefined) n.size = c.size;
    return answer(n);
  },
  mkdir: (_req, parent, name, mode) => entry(make(parent, name, S_IFDIR | mode)),
  create: (_req, parent, name, mode): CreateReply => ({ ...entry(make(parent, name, S_IFREG | (mode & 0o7777))), ...opened }),
  open: () => opened,
  read: (_req, ino, size, offset) => ZEROS.subarray(0, Math.max(0, Math.min(size, node(ino).size - offset))),
  write: (_req, ino, data, offset) => {
    const n = node(ino);
    n.size = Math.max(n.size, offset + data.length);
    return data.length;
  },
  flush: () => undefined,
  release: () => undefined,
  fsync: () => undefined,
  unlink: (_req, parent, name) => {
    const n = child(parent, name);
    node(parent).children!.delete(name);
    nodes.delete(n.ino);
  },
  opendir: () => opened,
  readdir: () => undefined,
  releasedir: () => undefined,
};

const session = await LowLevelSession.mount(mountpoint, ops, {
  options: ['fsname=null', 'subtype=null'],
  spinMicros: spinArg === undefined ? undefined : Number(spinArg),
});
process.stdout.write(`mounted: ${mountpoint}\n`);
process.on('SIGTERM', () => void session.unmount());
const end = await session.ended;
if (process.env.DFS_BENCH_STATS) process.stderr.write(`null-lowlevel: ${JSON.stringify({ end, stats: session.stats() })}\n`);
