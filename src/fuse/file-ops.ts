// File operations: create, open, read, write, truncate/ftruncate, flush, release, fsync.
// A handle number names a FileHandle of the client library; the file behind it (OpenFile)
// is shared by every handle on the inode in this mount, so they see each other's writes.
import type { FuseOps } from 'fuse-native';
import type { FileHandle } from '../client/file-handle.js';
import { parentOf } from './attr-cache.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import { answer, answerCount, changing, type FuseContext } from './context.js';
import { openFlags } from './inode-attr.js';

export function fileOps(ctx: FuseContext): FuseOps {
  const { client, files, attrs } = ctx;
  // Opening asks the master, whose fresh attributes then answer stat (close-to-open: a file
  // another mount closed shows its new size at our next open, whatever was cached before).
  // An open that changed nothing must not void the listings in flight (stat-ahead), so only a
  // create or an O_TRUNC counts as a change.
  const opened = (p: string, h: FileHandle, changed: boolean): number => {
    if (changed) attrs.set(p, h.getattr());
    else attrs.fresh(p, h.getattr());
    return files.add(h);
  };
  // A writer's size shows through the open file (cachedAttr); once its data reaches the
  // master, the inode's size and times there are newer than any cached copy.
  const written = (h: FileHandle) => (): void => {
    if (h.flags.write) attrs.dropInode(h.ino);
  };
  return {
    // fuse-native does not pass create's open flags: the handle may read and write, and the
    // kernel already enforces the access mode the caller asked for
    create: (p, mode, cb) =>
      answer(ctx, 'create', cb, async () =>
        opened(
          p,
          await changing(
            () => client.create(p, mode & 0o7777, { read: true, write: true }),
            () => attrs.drop(parentOf(p)),
          ),
          true,
        ),
      ),

    // a failed open may mean the cached name is gone (or, with O_TRUNC, that the file changed).
    // The kernel sends OPEN only for a name it holds: if the master has no such name, another
    // mount removed it within entry_timeout, and ESTALE makes the kernel look it up again
    // (and create it, for O_CREAT) instead of failing with ENOENT
    open: (p, flags, cb) =>
      answer(ctx, 'open', cb, async () => {
        try {
          const how = openFlags(flags);
          return opened(p, await client.openFile(p, how), how.truncate === true);
        } catch (err) {
          attrs.dropLinked(p);
          if (toDfsError(err).code === 'ENOENT') throw new DfsError('ESTALE', `${p} was removed elsewhere`);
          throw err;
        }
      }),

    read: (_p, fd, buf, len, pos, cb) => answerCount(ctx, 'read', cb, () => files.get(fd).readInto(pos, buf.subarray(0, len))),

    // the one copy of written bytes: from libfuse's buffer into the file's block buffer
    write: (_p, fd, buf, len, pos, cb) => answerCount(ctx, 'write', cb, () => files.get(fd).write(pos, buf.subarray(0, len))),

    truncate: (p, size, cb) =>
      answer(ctx, 'truncate', cb, () =>
        changing(
          () => client.truncate(p, size),
          () => attrs.dropLinked(p),
        ),
      ),

    ftruncate: (_p, fd, size, cb) =>
      answer(ctx, 'ftruncate', cb, () => {
        const h = files.get(fd);
        return changing(() => h.truncate(size), written(h));
      }),

    // close-to-open: close() returns only when the data is on the storage nodes
    flush: (_p, fd, cb) =>
      answer(ctx, 'flush', cb, () => {
        const h = files.get(fd);
        return changing(() => h.flush(), written(h));
      }),

    fsync: (_p, _datasync, fd, cb) =>
      answer(ctx, 'fsync', cb, () => {
        const h = files.get(fd);
        return changing(() => h.fsync(), written(h));
      }),

    release: (_p, fd, cb) =>
      answer(ctx, 'release', cb, () => {
        const h = files.remove(fd);
        return changing(() => h.close(), written(h));
      }),
  };
}
