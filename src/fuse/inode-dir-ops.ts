// Directory listings by inode: opendir, readdir, readdirplus, releasedir. A handle keeps the
// backend's pages (dir-handle.ts) so offsets stay stable; readdirplus hands every entry to
// the kernel with its attributes (`ls -l` costs one backend page per page of entries, not a
// lookup per name), and each one it hands out counts as a lookup.
import { DirHandle, type ListedAt } from './dir-handle.js';
import { handedOut, kernelEntry, type InodeContext } from './inode-context.js';
import type { Entry, LowLevelOps } from './lowlevel-ops.js';

export type DirOps = Required<Pick<LowLevelOps, 'opendir' | 'readdir' | 'readdirplus' | 'releasedir'>>;

const S_IFDIR = 0o040000;
const EPOCH = { sec: 0, nsec: 0 };

/** "." and ".." in readdirplus: the kernel takes their inode number and nothing else (it never looks them up). */
function dotEntry(ino: number): Entry {
  const attr = { ino, mode: S_IFDIR, nlink: 1, uid: 0, gid: 0, size: 0, atime: EPOCH, mtime: EPOCH, ctime: EPOCH };
  return { ino, attr, attrTimeout: 0, entryTimeout: 0 };
}

type Item = { dot: '.' | '..'; ino: number } | ListedAt;

/**
 * Adds the listing from `offset` with `add` until it says the buffer is full or the listing
 * ends. A failure after the first entry ends the buffer there: the kernel asks again from
 * its last entry, and the entries already added (counted as lookups) reach it.
 */
async function list(h: DirHandle, offset: number, out: { count: number }, add: (item: Item, next: number) => boolean): Promise<void> {
  h.rewindIf(offset);
  for (let off = offset; ; off++) {
    let item: Item | undefined;
    try {
      if (off === 0) item = { dot: '.', ino: h.ino };
      else if (off === 1) item = { dot: '..', ino: await h.parent() };
      else item = await h.at(off);
    } catch (err) {
      if (out.count > 0) return;
      throw err;
    }
    if (!item || !add(item, off + 1)) return;
  }
}

export function dirOps(ctx: InodeContext): DirOps {
  const { backend, nodes, cache, dirs } = ctx;
  return {
    // No cacheReaddir: this kernel (6.18) was seen not to serve a listing again from its
    // readdir cache, so that a listing each time is all that can be tested here.
    opendir: (_req, ino) => {
      const dir = nodes.ref(ino);
      const h = new DirHandle(
        ino,
        (cursor) => backend.readdir(dir, cursor),
        () => cache.era(),
      );
      return { fh: dirs.add(h) };
    },

    readdir: (_req, _ino, fh, offset, out) =>
      list(dirs.get(fh), offset, out, (item, next) =>
        'dot' in item
          ? out.add({ name: item.dot, ino: item.ino, mode: S_IFDIR, next })
          : out.add({ name: item.entry.name, ino: item.entry.attr.ino, mode: item.entry.attr.mode, next }),
      ),

    readdirplus: (_req, ino, fh, offset, out) =>
      list(dirs.get(fh), offset, out, (item, next) => {
        if ('dot' in item) return out.add({ name: item.dot, entry: dotEntry(item.ino), next });
        const { entry: e, era } = item;
        if (!out.add({ name: e.name, entry: kernelEntry(ctx, era, ino, e.name, e), next })) return false;
        handedOut(ctx, ino, e.name, e);
        return true;
      }),

    releasedir: (_req, _ino, fh) => {
      dirs.remove(fh);
    },
  };
}
