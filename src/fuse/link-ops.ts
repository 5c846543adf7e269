// Name operations: unlink, rename, symlink, readlink, link.
import type { FuseOps } from 'fuse-native';
import { answer, type FuseContext } from './context.js';

export function linkOps(ctx: FuseContext): FuseOps {
  const { client } = ctx;
  return {
    unlink: (p, cb) => answer(ctx, 'unlink', cb, () => client.unlink(p)),
    rename: (from, to, cb) => answer(ctx, 'rename', cb, () => client.rename(from, to)),
    symlink: (target, p, cb) => answer(ctx, 'symlink', cb, () => client.symlink(target, p)),
    readlink: (p, cb) => answer(ctx, 'readlink', cb, () => client.readlink(p)),
    link: (from, to, cb) => answer(ctx, 'link', cb, () => client.link(from, to)),
  };
}
