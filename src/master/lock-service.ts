// Locks by inode for the mounts (locks.ts): flock and POSIX record locks, taken at once or
// waited for. A wait is served in slices of DEFAULTS.lockWaitSliceMs, each answered EAGAIN
// when the lock is still taken, so that no call stays out for long and a connection that
// goes ends its waits; the mount asks again until it holds the lock or its caller gives up
// (an interrupted fcntl or flock), when it cancels the slice under way (`ino.lockcancel`, by the `id` every wait must carry).
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { bool, int, str } from '../rpc/params.js';
import type { Peer } from '../rpc/peer.js';
import type { ConnContext, MasterContext, MasterHandlers } from './context.js';
import { F_RDLCK, F_UNLCK, F_WRLCK, type LockTable } from './locks.js';
import type { Paths } from './resolve.js';

const OWNER_MAX = 128;

export function lockHandlers(m: MasterContext, paths: Paths, locks: LockTable): MasterHandlers {
  /** Slices waiting now, by connection and the client's wait id, so that a cancel can end one. */
  const waiting = new Map<string, AbortController>();

  /** Tries `take` until it succeeds, the slice is over (EAGAIN) or the wait is cancelled (EINTR). */
  async function slice(peer: Peer<ConnContext>, meta: Meta, ino: number, take: () => void): Promise<void> {
    try {
      take();
      return;
    } catch (err) {
      if ((err as DfsError).code !== 'EAGAIN' || !bool(meta, 'wait')) throw err;
    }
    // each wait is named, so that a cancel ends that one and no other of the connection
    const key = `${peer.context.id}:${str(meta, 'id', 64)}`;
    const abort = new AbortController();
    waiting.set(key, abort);
    const until = Date.now() + DEFAULTS.lockWaitSliceMs;
    try {
      for (;;) {
        const left = until - Date.now();
        if (left <= 0) throw new DfsError('EAGAIN', 'still locked; ask again');
        await locks.changed(ino, left, abort.signal);
        if (abort.signal.aborted) throw new DfsError('EINTR', 'the wait for the lock was cancelled');
        if (!peer.isOpen) throw new DfsError('ENOTCONN', 'the connection closed');
        try {
          take();
          return;
        } catch (err) {
          if ((err as DfsError).code !== 'EAGAIN') throw err;
        }
      }
    } finally {
      if (waiting.get(key) === abort) waiting.delete(key);
    }
  }

  const range = (meta: Meta) => {
    const start = int(meta, 'start', 0);
    const end = meta.end === -1 ? Infinity : int(meta, 'end', start);
    return { start, end };
  };

  return {
    'ino.setlk': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const type = int(meta, 'type', F_RDLCK, F_UNLCK);
      const lock = { owner: str(meta, 'owner', OWNER_MAX), conn: peer.context.id, type, ...range(meta), pid: int(meta, 'pid', 0, 2 ** 32) };
      await slice(peer, meta, n.ino, () => locks.setRange(n.ino, lock));
    },

    'ino.getlk': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const type = int(meta, 'type', F_RDLCK, F_WRLCK) as typeof F_RDLCK | typeof F_WRLCK;
      const r = range(meta);
      const h = locks.conflict(n.ino, { owner: str(meta, 'owner', OWNER_MAX), type, ...r });
      return {
        meta: h
          ? { type: h.type, start: h.start, end: h.end === Infinity ? -1 : h.end, pid: h.pid }
          : { type: F_UNLCK, start: r.start, end: r.end === Infinity ? -1 : r.end, pid: 0 },
      };
    },

    'ino.flock': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const op = str(meta, 'op', 2);
      if (op !== 'sh' && op !== 'ex' && op !== 'un') throw new DfsError('EINVAL', "field 'op' must be sh, ex or un");
      const owner = str(meta, 'owner', OWNER_MAX);
      await slice(peer, meta, n.ino, () => locks.setFlock(n.ino, owner, peer.context.id, op === 'un' ? null : op));
    },

    'ino.unlock': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const kind = str(meta, 'kind', 8);
      if (kind !== 'posix' && kind !== 'flock') throw new DfsError('EINVAL', "field 'kind' must be posix or flock");
      locks.releaseOwner(n.ino, str(meta, 'owner', OWNER_MAX), kind);
    },

    'ino.lockcancel': ({ meta }, peer) => {
      m.caller(meta);
      waiting.get(`${peer.context.id}:${str(meta, 'id', 64)}`)?.abort();
    },
  };
}
