// Attribute operations: getattr/fgetattr, chmod, chown, utimens, access, statfs.
import type { FuseOps, FuseStatfs } from 'fuse-native';
import { DEFAULTS } from '../defaults.js';
import type { Attr, StatFs } from '../protocol/types.js';
import { answer, type FuseContext } from './context.js';
import { IO_SIZE, KERNEL_KEEP_ID, toStat } from './stat.js';
import { DfsError } from '../rpc/errors.js';

function statfsOf(s: StatFs): FuseStatfs {
  // every field is a uint32: grow the fragment size until the block counts fit
  let frsize = 4096;
  while (s.capacity / frsize >= 2 ** 32) frsize *= 2;
  const files = Math.min(s.files, 2 ** 32 - 1);
  const ffree = 2 ** 32 - 1 - files;
  return {
    bsize: IO_SIZE,
    frsize,
    blocks: Math.floor(s.capacity / frsize),
    bfree: Math.floor(s.free / frsize),
    bavail: Math.floor(s.free / frsize),
    files,
    ffree,
    favail: ffree,
    fsid: 0,
    flag: 0,
    namemax: DEFAULTS.maxNameBytes,
  };
}

/** lstat by path: from the attribute cache while fresh, else from the master (and kept). */
async function cachedAttr(ctx: FuseContext, p: string): Promise<Attr> {
  const hit = ctx.attrs.get(p);
  // a file open in this mount may have grown past what the master (and the cache) knows
  if (hit) return ctx.client.overlay(hit);
  const version = ctx.attrs.version;
  const attr = await ctx.client.getattr(p);
  // only names that exist count: a listing caches no absence, so probes for missing names
  // (imports, make's implicit rules) must not set off listings
  ctx.statAhead?.miss(p);
  ctx.attrs.fill(p, attr, version);
  return attr;
}

export function attrOps(ctx: FuseContext): FuseOps {
  const { client, attrs } = ctx;
  // the master answers a change with the inode's new attributes: they replace what was cached
  // under every name of the inode (set); the wider sweep of dropLinked is for a failure only
  const setattr = async (p: string, work: () => Promise<Attr>): Promise<void> => {
    let attr: Attr;
    try {
      attr = await work();
    } catch (err) {
      attrs.dropLinked(p);
      throw err;
    }
    attrs.set(p, attr);
  };
  return {
    getattr: (p, cb) => answer(ctx, 'getattr', cb, async () => toStat(ctx.ids.localAttr(await cachedAttr(ctx, p)))),

    // an open file answers from its handle: the master's attributes with the local size
    fgetattr: (p, fd, cb) => answer(ctx, 'fgetattr', cb, async () => toStat(ctx.ids.localAttr(fd ? ctx.files.get(fd).getattr() : await cachedAttr(ctx, p)))),

    chmod: (p, mode, cb) => answer(ctx, 'chmod', cb, () => setattr(p, () => client.chmod(p, mode & 0o7777))),

    chown: (p, uid, gid, cb) =>
      answer(ctx, 'chown', cb, () => {
        const dfsUid = uid === KERNEL_KEEP_ID ? -1 : ctx.ids.toDfsUid(uid);
        const dfsGid = gid === KERNEL_KEEP_ID ? -1 : ctx.ids.toDfsGid(gid);
        // a local id with no dfs account cannot own anything in the cluster
        if (dfsUid === undefined || dfsGid === undefined) throw new DfsError('EINVAL', `no dfs account for local id ${dfsUid === undefined ? uid : gid}`);
        return setattr(p, () => client.chown(p, dfsUid, dfsGid));
      }),

    // Each time is milliseconds, or undefined to leave it as it is (UTIME_OMIT: `touch -m`
    // and tar set only mtime); UTIME_NOW arrives as 'now'. That takes dfs's
    // patched build of fuse-native's addon (upstream passes the access time twice and
    // libfuse then skips mtime-only changes): see src/fuse/binding.ts and native-notes.
    utimens: (p, atime, mtime, cb) => answer(ctx, 'utimens', cb, () => setattr(p, () => client.utimens(p, atime, mtime))),

    access: (p, mode, cb) => answer(ctx, 'access', cb, () => client.access(p, mode & 7)),

    statfs: (_p, cb) => answer(ctx, 'statfs', cb, async () => statfsOf(await client.statfs())),
  };
}
