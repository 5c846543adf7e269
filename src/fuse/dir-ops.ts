// Directory operations: readdir, mkdir, rmdir.
import type { FuseOps, FuseStat } from 'fuse-native';
import { childPath } from './attr-cache.js';
import type { Attr, DirEntry } from '../protocol/types.js';
import { answer, changing, type FuseContext } from './context.js';
import { toStat } from './stat.js';

/**
 * Lists a directory (or, with `atMost`, its first entries past that many) and keeps every
 * entry's attributes, unless something changed meanwhile.
 */
export async function listInto(ctx: FuseContext, p: string, atMost?: number): Promise<{ dir: Attr; entries: DirEntry[] }> {
  const version = ctx.attrs.version;
  const listing = await ctx.client.listDir(p, atMost);
  ctx.attrs.fill(p, listing.dir, version);
  for (const e of listing.entries) ctx.attrs.fill(childPath(p, e.name), e.attr, version);
  return listing;
}

export function dirOps(ctx: FuseContext): FuseOps {
  const { client, attrs } = ctx;
  return {
    readdir: (p, cb) =>
      answer(
        ctx,
        'readdir',
        (errno: number, list?: { names: string[]; stats: FuseStat[] }) => cb(errno, list?.names, list?.stats),
        async () => {
          // the listing carries every entry's attributes: `ls -l` then stats them from memory
          const { dir, entries } = await listInto(ctx, p);
          // "." and ".." as a local file system lists them; the stats give readdir's d_type and d_ino
          const self = toStat(ctx.ids.localAttr(dir));
          const names = ['.', '..'];
          const stats = [self, self];
          for (const e of entries) {
            names.push(e.name);
            stats.push(toStat(ctx.ids.localAttr(e.attr)));
          }
          return { names, stats };
        },
      ),

    mkdir: (p, mode, cb) =>
      answer(ctx, 'mkdir', cb, async () => {
        // a tree: names below a directory of this name that another mount removed may linger
        const attr = await changing(
          () => client.mkdir(p, mode & 0o7777),
          () => attrs.dropEntry(p),
        );
        attrs.set(p, attr);
      }),

    rmdir: (p, cb) =>
      answer(ctx, 'rmdir', cb, () =>
        changing(
          () => client.rmdir(p),
          () => attrs.dropEntry(p),
        ),
      ),
  };
}
