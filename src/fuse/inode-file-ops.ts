// File operations by inode: open, create, read, write, flush, fsync, release. A handle
// number names a MountFile of the backend. The kernel keeps a file's pages across opens
// while the master's leases cover them (an invalidation drops them when another session
// changes the file); writes arrive up to 1 MiB at a time (max_write) straight from the
// kernel's buffer, which the backend copies before it answers.
import { constants } from 'node:fs';
import { answerEntry, type InodeContext } from './inode-context.js';
import { openFlags } from './inode-attr.js';
import { changing, published } from './open-files.js';
import { releaseLocks } from './inode-lock-ops.js';
import type { LowLevelOps } from './lowlevel-ops.js';

export type FileOps = Required<Pick<LowLevelOps, 'open' | 'create' | 'read' | 'write' | 'flush' | 'fsync' | 'release'>>;

export function fileOps(ctx: InodeContext): FileOps {
  const { backend, nodes, cache, files } = ctx;
  return {
    open: async (_req, ino, flags) => {
      const era = cache.era();
      const file = await backend.open(nodes.ref(ino), openFlags(flags));
      return { fh: files.add(file), keepCache: cache.keepPages(era, ino) };
    },

    create: async (_req, parent, name, mode, flags) => {
      const era = cache.era();
      const how = { ...openFlags(flags), exclusive: (flags & constants.O_EXCL) !== 0 };
      const { entry, file } = await backend.create(nodes.ref(parent), name, mode & 0o7777, how);
      cache.named(parent, name, true);
      const fh = files.add(file);
      return { ...answerEntry(ctx, era, parent, name, entry), fh, keepCache: cache.keepPages(era, entry.attr.ino) };
    },

    read: async (_req, _ino, size, offset, fh) => {
      const file = files.get(fh).file;
      const buf = Buffer.allocUnsafe(size);
      const n = await file.readInto(offset, buf);
      return buf.subarray(0, n);
    },

    write: (_req, _ino, data, offset, fh) => {
      const e = files.get(fh);
      // from now on stat answers from the file (its size is ahead of the master's)
      changing(e);
      return e.file.write(offset, data);
    },

    // close-to-open: close(2) returns once the data is at the storage nodes and the master
    // and every close lets go of the POSIX locks of the closing owner, as on a local file system
    flush: async (_req, ino, fh, lockOwner) => {
      const e = files.get(fh);
      try {
        await published(e, () => e.file.flush());
      } finally {
        await releaseLocks(ctx, 'posix', ino, lockOwner);
      }
    },

    fsync: (_req, _ino, _datasync, fh) => {
      const e = files.get(fh);
      return published(e, () => e.file.fsync());
    },

    // the last close: the backend lets go of the file (and of its inode, when it has no name left)
    // (and of its flock, when the kernel says the description held one)
    release: async (_req, ino, fh, info) => {
      const file = files.remove(fh).file;
      if (info.flockRelease) await releaseLocks(ctx, 'flock', ino, info.lockOwner);
      await file.close();
    },
  };
}
