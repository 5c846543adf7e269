// Locks by inode: fcntl record locks (F_GETLK, F_SETLK, F_SETLKW, and OFD locks, which the
// kernel sends the same way) and flock(2), granted by the master so that two mounts exclude
// each other (src/master/locks.ts). A wait ends when the lock is held or the caller is
// interrupted (EINTR). POSIX locks go at every close of the owner (the kernel's FLUSH
// names it), a flock at the last close of its open file description (RELEASE); the mount
// remembers which owners hold any, so that a plain close costs no call to the master.
import { DfsError } from '../rpc/errors.js';
import type { BackendLock, NodeRef } from '../client/mount-api.js';
import type { InodeContext } from './inode-context.js';
import type { FileLock, LowLevelOps } from './lowlevel-ops.js';

export type LockOps = Required<Pick<LowLevelOps, 'getlk' | 'setlk' | 'flock'>>;

const F_UNLCK = 2;
const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** Lets go of what `owner` holds of `kind` on `ino`, if it holds anything (a close). */
export async function releaseLocks(ctx: InodeContext, kind: 'posix' | 'flock', ino: number, owner: bigint): Promise<void> {
  if (!ctx.locks.take(kind, ino, owner)) return;
  await ctx.backend.unlock(ctx.nodes.ref(ino), owner, kind).catch((err: unknown) => ctx.log(`dfs mount: could not release a lock: ${(err as Error).message}`));
}

const toBackend = (l: FileLock): BackendLock => ({ type: l.type, start: l.start, end: l.len === 0 ? Infinity : l.start + l.len - 1, pid: l.pid });
const toKernel = (l: BackendLock): FileLock => ({ type: l.type, start: l.start, len: l.end === Infinity ? 0 : l.end - l.start + 1, pid: l.pid });

export function lockOps(ctx: InodeContext): LockOps {
  const { backend, nodes, locks } = ctx;
  const ref = (ino: number): NodeRef => nodes.ref(ino);
  return {
    getlk: async (_req, ino, _fh, owner, lock) => toKernel(await backend.getlk(ref(ino), owner, toBackend(lock))),

    setlk: async (req, ino, _fh, owner, lock, wait) => {
      if (lock.type !== F_UNLCK) locks.took('posix', ino, owner);
      await backend.setlk(ref(ino), owner, toBackend(lock), wait, req.signal);
    },

    flock: async (req, ino, _fh, owner, op) => {
      const kind = op & LOCK_UN ? 'un' : op & LOCK_EX ? 'ex' : op & LOCK_SH ? 'sh' : undefined;
      if (kind === undefined) throw new DfsError('EINVAL', 'bad flock operation');
      if (kind !== 'un') locks.took('flock', ino, owner);
      await backend.flock(ref(ino), owner, kind, (op & LOCK_NB) === 0, req.signal);
    },
  };
}
