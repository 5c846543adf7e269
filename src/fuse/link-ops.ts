// Name operations: unlink, rename, symlink, readlink, link, mknod (FIFOs, sockets, devices:
// dfs keeps their inodes, the kernel serves a FIFO's and a socket's I/O itself).
import type { FuseOps } from 'fuse-native';
import { typeOfMode } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { parentOf } from './attr-cache.js';
import { answer, changing, type FuseContext } from './context.js';

export function linkOps(ctx: FuseContext): FuseOps {
  const { client, attrs } = ctx;
  return {
    // the other names of the inode lose a link; the directory changes too
    unlink: (p, cb) =>
      answer(ctx, 'unlink', cb, () =>
        changing(
          () => client.unlink(p),
          () => {
            attrs.dropLinked(p);
            attrs.drop(parentOf(p));
          },
        ),
      ),

    // either name may be a directory with cached names below it
    rename: (from, to, cb) =>
      answer(ctx, 'rename', cb, () =>
        changing(
          () => client.rename(from, to),
          () => {
            attrs.dropEntry(from);
            attrs.dropEntry(to);
          },
        ),
      ),

    symlink: (target, p, cb) =>
      answer(ctx, 'symlink', cb, async () => {
        attrs.set(
          p,
          await changing(
            () => client.symlink(target, p),
            () => attrs.drop(parentOf(p)),
          ),
        );
      }),

    mknod: (p, mode, dev, cb) =>
      answer(ctx, 'mknod', cb, async () => {
        const type = typeOfMode(mode);
        if (type === undefined || type === 'dir' || type === 'symlink') throw new DfsError('EINVAL', `mknod of mode ${mode.toString(8)}`);
        attrs.set(
          p,
          await changing(
            () => client.mknod(p, type, mode & 0o7777, dev),
            () => attrs.drop(parentOf(p)),
          ),
        );
      }),

    readlink: (p, cb) => answer(ctx, 'readlink', cb, () => client.readlink(p)),

    // the inode gains a link (nlink, ctime) under every name it has
    link: (from, to, cb) =>
      answer(ctx, 'link', cb, async () => {
        const attr = await changing(
          () => client.link(from, to),
          () => {
            attrs.dropLinked(from);
            attrs.drop(parentOf(to));
          },
        );
        attrs.set(to, attr);
      }),
  };
}
