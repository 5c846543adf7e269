// File operations: create, open, read, write, truncate/ftruncate, flush, release, fsync.
// A handle number names a FileHandle of the client library; the file behind it (OpenFile)
// is shared by every handle on the inode in this mount, so they see each other's writes.
import { constants } from 'node:fs';
import type { FuseOps } from 'fuse-native';
import type { OpenFlags } from '../client/types.js';
import { answer, answerCount, type FuseContext } from './context.js';

export function openFlags(flags: number): OpenFlags {
  const mode = flags & 3; // O_ACCMODE
  return {
    read: mode !== constants.O_WRONLY,
    write: mode !== constants.O_RDONLY,
    append: (flags & constants.O_APPEND) !== 0,
    // the kernel passes O_TRUNC only with atomic_o_trunc; the master then empties the file
    truncate: (flags & constants.O_TRUNC) !== 0,
  };
}

export function fileOps(ctx: FuseContext): FuseOps {
  const { client, files } = ctx;
  return {
    // fuse-native does not pass create's open flags: the handle may read and write, and the
    // kernel already enforces the access mode the caller asked for
    create: (p, mode, cb) =>
      answer(ctx, 'create', cb, async () => files.add(await client.create(p, mode & 0o7777, { read: true, write: true }))),

    open: (p, flags, cb) => answer(ctx, 'open', cb, async () => files.add(await client.openFile(p, openFlags(flags)))),

    read: (_p, fd, buf, len, pos, cb) => answerCount(ctx, 'read', cb, () => files.get(fd).readInto(pos, buf.subarray(0, len))),

    // the one copy of written bytes: from libfuse's buffer into the file's block buffer
    write: (_p, fd, buf, len, pos, cb) => answerCount(ctx, 'write', cb, () => files.get(fd).write(pos, buf.subarray(0, len))),

    truncate: (p, size, cb) => answer(ctx, 'truncate', cb, () => client.truncate(p, size)),

    ftruncate: (_p, fd, size, cb) => answer(ctx, 'ftruncate', cb, () => files.get(fd).truncate(size)),

    // close-to-open: close() returns only when the data is on the storage nodes
    flush: (_p, fd, cb) => answer(ctx, 'flush', cb, () => files.get(fd).flush()),

    fsync: (_p, _datasync, fd, cb) => answer(ctx, 'fsync', cb, () => files.get(fd).fsync()),

    release: (_p, fd, cb) => answer(ctx, 'release', cb, () => files.remove(fd).close()),
  };
}
