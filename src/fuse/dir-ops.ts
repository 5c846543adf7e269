// Directory operations: readdir, mkdir, rmdir.
import type { FuseOps, FuseStat } from 'fuse-native';
import { answer, type FuseContext } from './context.js';
import { toStat } from './stat.js';

export function dirOps(ctx: FuseContext): FuseOps {
  const { client } = ctx;
  return {
    readdir: (p, cb) =>
      answer(ctx, 'readdir', (errno: number, list?: { names: string[]; stats: FuseStat[] }) => cb(errno, list?.names, list?.stats), async () => {
        const { dir, entries } = await client.listDir(p);
        // "." and ".." as a local file system lists them; the stats give readdir's d_type and d_ino
        const self = toStat(ctx.ids.localAttr(dir));
        const names = ['.', '..'];
        const stats = [self, self];
        for (const e of entries) {
          names.push(e.name);
          stats.push(toStat(ctx.ids.localAttr(e.attr)));
        }
        return { names, stats };
      }),

    mkdir: (p, mode, cb) => answer(ctx, 'mkdir', cb, () => client.mkdir(p, mode & 0o7777)),

    rmdir: (p, cb) => answer(ctx, 'rmdir', cb, () => client.rmdir(p)),
  };
}
