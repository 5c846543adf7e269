// Name operations by inode: lookup and forget, mkdir, symlink, link, unlink, rmdir, rename,
// readlink. The kernel keeps one inode per dfs inode and updates its own entries and link
// counts after a change made through this mount; the names it may cache are tracked so that
// they can be taken back when the channel breaks (kernel-names.ts).
import { typeOfMode } from '../protocol/types.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import { answerEntry, type InodeContext } from './inode-context.js';
import type { LowLevelOps } from './lowlevel-ops.js';

const RENAME_EXCHANGE = 2;

export type NameOps = Required<Pick<LowLevelOps, 'lookup' | 'forget' | 'mkdir' | 'mknod' | 'symlink' | 'link' | 'unlink' | 'rmdir' | 'rename' | 'readlink'>>;

export function nameOps(ctx: InodeContext): NameOps {
  const { backend, nodes, names, cache } = ctx;
  return {
    lookup: async (_req, parent, name) => {
      const known = cache.knownAbsent(parent, name);
      if (known) return known;
      const era = cache.era();
      try {
        return answerEntry(ctx, era, parent, name, await backend.lookup(nodes.ref(parent), name));
      } catch (err) {
        // an absent name is an answer the kernel may cache, as long as anything is cached
        if (toDfsError(err).code === 'ENOENT') return cache.absent(era, parent, name);
        throw err;
      }
    },

    forget: (ino, count) => {
      if (nodes.forget(ino, count)) names.forgotten(ino);
    },

    mkdir: async (_req, parent, name, mode) => {
      const era = cache.era();
      const e = await backend.mkdir(nodes.ref(parent), name, mode & 0o7777);
      cache.named(parent, name, true);
      cache.madeDir(era, e.attr.ino, e.attr.mode);
      return answerEntry(ctx, era, parent, name, e);
    },

    // FIFOs and sockets are served by the kernel itself; dfs keeps the inode (and a device's number)
    mknod: async (_req, parent, name, mode, rdev) => {
      const era = cache.era();
      const type = (mode & 0o170000) === 0 ? 'file' : typeOfMode(mode);
      if (type === undefined || type === 'dir' || type === 'symlink') throw new DfsError('EINVAL', `mknod of mode ${mode.toString(8)}`);
      const e = await backend.mknod(nodes.ref(parent), name, type, mode & 0o7777, rdev);
      cache.named(parent, name, true);
      return answerEntry(ctx, era, parent, name, e);
    },

    symlink: async (_req, target, parent, name) => {
      const era = cache.era();
      const e = await backend.symlink(nodes.ref(parent), name, target);
      cache.named(parent, name, true);
      return answerEntry(ctx, era, parent, name, e);
    },

    // one inode, one more name: the kernel's inode takes the new link count from the entry
    link: async (_req, ino, newParent, newName) => {
      const era = cache.era();
      const e = await backend.link(nodes.ref(ino), nodes.ref(newParent), newName);
      cache.named(newParent, newName, true);
      return answerEntry(ctx, era, newParent, newName, e);
    },

    // An open file loses its name and lives on: the backend holds its inode until the last
    // close, so no hidden file is needed, and the kernel keeps serving the open descriptors.
    unlink: async (_req, parent, name) => {
      await backend.unlink(nodes.ref(parent), name);
      cache.named(parent, name, false);
      names.remove(parent, name);
    },

    rmdir: async (_req, parent, name) => {
      await backend.rmdir(nodes.ref(parent), name);
      cache.named(parent, name, false);
      names.remove(parent, name);
    },

    rename: async (_req, parent, name, newParent, newName, flags) => {
      await backend.rename(nodes.ref(parent), name, nodes.ref(newParent), newName, flags);
      if (!(flags & RENAME_EXCHANGE)) cache.named(parent, name, false);
      cache.named(newParent, newName, true);
      if (flags & RENAME_EXCHANGE) names.exchanged(parent, name, newParent, newName);
      else names.renamed(parent, name, newParent, newName);
    },

    readlink: (_req, ino) => backend.readlink(nodes.ref(ino)),
  };
}
