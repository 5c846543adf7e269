// Attribute operations: getattr/fgetattr, chmod, chown, utimens, access, statfs.
import type { FuseOps, FuseStatfs } from 'fuse-native';
import { DEFAULTS } from '../defaults.js';
import type { StatFs } from '../client/types.js';
import { answer, type FuseContext } from './context.js';
import { toStat } from './stat.js';
import { DfsError } from '../rpc/errors.js';

/** uid_t/gid_t -1 ("leave as is") arrives as an unsigned 32-bit number. */
const KEEP_ID = 0xffffffff;

/**
 * fuse-native 2.2.6 hands utimens the access time twice (its native glue copies tv[0] into
 * both arguments), so the modification time asked for is lost; see native-notes. UTIME_NOW
 * and UTIME_OMIT (tv_sec 0, tv_nsec ~2^30) arrive as 1073 ms: both are read as "now".
 */
const UTIME_SPECIAL_MS = 1073;

export function statfsOf(s: StatFs): FuseStatfs {
  // every field is a uint32: grow the fragment size until the block counts fit
  let frsize = 4096;
  while (s.capacity / frsize >= 2 ** 32) frsize *= 2;
  const files = Math.min(s.files, 2 ** 32 - 1);
  const ffree = 2 ** 32 - 1 - files;
  return {
    bsize: 128 * 1024,
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

export function attrOps(ctx: FuseContext): FuseOps {
  const { client } = ctx;
  return {
    getattr: (p, cb) => answer(ctx, 'getattr', cb, async () => toStat(ctx.ids.localAttr(await client.getattr(p)))),

    // an open file answers from its handle: the master's attributes with the local size
    fgetattr: (p, fd, cb) => answer(ctx, 'fgetattr', cb, async () => toStat(ctx.ids.localAttr(fd ? ctx.files.get(fd).getattr() : await client.getattr(p)))),

    chmod: (p, mode, cb) => answer(ctx, 'chmod', cb, () => client.chmod(p, mode & 0o7777)),

    chown: (p, uid, gid, cb) =>
      answer(ctx, 'chown', cb, () => {
        const dfsUid = uid === KEEP_ID ? -1 : ctx.ids.toDfsUid(uid);
        const dfsGid = gid === KEEP_ID ? -1 : ctx.ids.toDfsGid(gid);
        // a local id with no dfs account cannot own anything in the cluster
        if (dfsUid === undefined || dfsGid === undefined) throw new DfsError('EINVAL', `no dfs account for local id ${dfsUid === undefined ? uid : gid}`);
        return client.chown(p, dfsUid, dfsGid);
      }),

    utimens: (p, atime, mtime, cb) =>
      answer(ctx, 'utimens', cb, () => {
        const now = Date.now();
        const a = atime === UTIME_SPECIAL_MS ? now : atime;
        const m = mtime === UTIME_SPECIAL_MS ? now : mtime;
        return client.utimens(p, a, m);
      }),

    access: (p, mode, cb) => answer(ctx, 'access', cb, () => client.access(p, mode & 7)),

    statfs: (_p, cb) => answer(ctx, 'statfs', cb, async () => statfsOf(await client.statfs())),
  };
}
