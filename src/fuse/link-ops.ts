// Name operations: unlink, rename, symlink, readlink, link.
import type { FuseOps } from 'fuse-native';
import { parentOf } from './attr-cache.js';
import { answer, changing, type FuseContext } from './context.js';

export function linkOps(ctx: FuseContext): FuseOps {
  const { client, attrs } = ctx;
  return {
    // the other names of the inode lose a link; the directory changes too
    unlink: (p, cb) =>
      answer(ctx, 'unlink', cb, () => changing(() => client.unlink(p), () => {
        attrs.dropLinked(p);
        attrs.drop(parentOf(p));
      })),

    // either name may be a directory with cached names below it
    rename: (from, to, cb) =>
      answer(ctx, 'rename', cb, () => changing(() => client.rename(from, to), () => {
        attrs.dropEntry(from);
        attrs.dropEntry(to);
      })),

    symlink: (target, p, cb) =>
      answer(ctx, 'symlink', cb, async () => {
        attrs.set(p, await changing(() => client.symlink(target, p), () => attrs.drop(parentOf(p))));
      }),

    readlink: (p, cb) => answer(ctx, 'readlink', cb, () => client.readlink(p)),

    // the inode gains a link (nlink, ctime) under every name it has
    link: (from, to, cb) =>
      answer(ctx, 'link', cb, async () => {
        const attr = await changing(() => client.link(from, to), () => {
          attrs.dropLinked(from);
          attrs.drop(parentOf(to));
        });
        attrs.set(to, attr);
      }),
  };
}
