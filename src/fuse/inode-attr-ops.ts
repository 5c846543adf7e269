// Attribute operations by inode: getattr, setattr (mode, owner, times and size), access,
// statfs. A size goes through an open file, as the backend wants it: the file's own handle
// for ftruncate, a short-lived one for truncate(2).
import { DfsError } from '../rpc/errors.js';
import type { AttrUpdate } from '../client/mount-api.js';
import { fileTimeOf, statfsReply } from './inode-attr.js';
import { attrReply, type InodeContext } from './inode-context.js';
import { changing } from './open-files.js';
import { KERNEL_KEEP_ID } from './stat.js';
import type { AttrChanges, LowLevelOps } from './lowlevel-ops.js';

export type AttrOps = Required<Pick<LowLevelOps, 'getattr' | 'setattr' | 'access' | 'statfs'>>;

/** What setattr changes besides the size, with owners turned into dfs ids. */
function updateOf(ctx: InodeContext, c: AttrChanges): AttrUpdate | undefined {
  const u: AttrUpdate = {};
  if (c.mode !== undefined) u.mode = c.mode & 0o7777;
  for (const [field, local, toDfs] of [
    ['uid', c.uid, (id: number) => ctx.ids.toDfsUid(id)],
    ['gid', c.gid, (id: number) => ctx.ids.toDfsGid(id)],
  ] as const) {
    if (local === undefined || local === KERNEL_KEEP_ID) continue;
    const id = toDfs(local);
    // a local id with no dfs account cannot own anything in the cluster
    if (id === undefined) throw new DfsError('EINVAL', `no dfs account for local ${field} ${local}`);
    u[field] = id;
  }
  if (c.atime !== undefined) u.atime = fileTimeOf(c.atime);
  if (c.mtime !== undefined) u.mtime = fileTimeOf(c.mtime);
  return Object.keys(u).length ? u : undefined;
}

export function attrOps(ctx: InodeContext): AttrOps {
  const { backend, nodes, cache, files } = ctx;

  /** truncate(2): a file opened for it alone, closed again (which publishes the size). */
  const truncateByInode = async (ino: number, size: number): Promise<void> => {
    const f = await backend.open(nodes.ref(ino), { read: false, write: true });
    try {
      await f.truncate(size);
    } finally {
      await f.close();
    }
  };

  return {
    getattr: async (_req, ino) => {
      // the master's attributes (links, mode, owner: changed by anyone), with the size of an
      // open file being written here, which is ahead of the master's (attrReply sees to that)
      const era = cache.era();
      return attrReply(ctx, era, await backend.getattr(nodes.ref(ino)));
    },

    setattr: async (_req, ino, c, fh) => {
      const era = cache.era();
      const update = updateOf(ctx, c);
      if (c.size !== undefined && fh !== undefined) {
        // ftruncate: the open file keeps the size (attrReply answers it) until the next flush
        const e = files.get(fh);
        changing(e);
        await e.file.truncate(c.size);
      } else if (c.size !== undefined) {
        await truncateByInode(ino, c.size);
      }
      const ref = nodes.ref(ino);
      // a directory's mode or owner may no longer let everyone search it (kernel-cache.ts madeDir)
      if (update) cache.unlist(ino);
      if (update) return attrReply(ctx, era, await backend.setattr(ref, update));
      // nothing else to change (a size, or a ctime alone: dfs keeps its own): the attributes as they are now
      return attrReply(ctx, era, await backend.getattr(ref));
    },

    access: (_req, ino, mask) => backend.access(nodes.ref(ino), mask),

    statfs: async () => statfsReply(await backend.statfs()),
  };
}
