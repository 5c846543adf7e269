// Directory operations: readdir, mkdir, rmdir.
import type { FuseOps, FuseStat } from 'fuse-native';
import { childPath, parentOf } from './attr-cache.js';
import { answer, changing, type FuseContext } from './context.js';
import { toStat } from './stat.js';

export function dirOps(ctx: FuseContext): FuseOps {
  const { client, attrs } = ctx;
  return {
    readdir: (p, cb) =>
      answer(ctx, 'readdir', (errno: number, list?: { names: string[]; stats: FuseStat[] }) => cb(errno, list?.names, list?.stats), async () => {
        const version = attrs.version;
        const { dir, entries } = await client.listDir(p);
        // the listing carries every entry's attributes: `ls -l` then stats them from memory
        attrs.fill(p, dir, version);
        // "." and ".." as a local file system lists them; the stats give readdir's d_type and d_ino
        const self = toStat(ctx.ids.localAttr(dir));
        const names = ['.', '..'];
        const stats = [self, self];
        for (const e of entries) {
          attrs.fill(childPath(p, e.name), e.attr, version);
          names.push(e.name);
          stats.push(toStat(ctx.ids.localAttr(e.attr)));
        }
        return { names, stats };
      }),

    mkdir: (p, mode, cb) =>
      answer(ctx, 'mkdir', cb, async () => {
        // a tree: names below a directory of this name that another mount removed may linger
        const attr = await changing(() => client.mkdir(p, mode & 0o7777), () => {
          attrs.dropTree(p);
          attrs.drop(parentOf(p));
        });
        attrs.set(p, attr);
      }),

    rmdir: (p, cb) =>
      answer(ctx, 'rmdir', cb, () => changing(() => client.rmdir(p), () => {
        attrs.dropTree(p);
        attrs.drop(parentOf(p));
      })),
  };
}
