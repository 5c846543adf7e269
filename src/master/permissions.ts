// POSIX permission checks, done by the master on every operation.
import type { Inode } from './namespace.js';
import type { User } from './users.js';

export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

export interface Caller {
  user: User;
  uid: number;
  gids: Set<number>;
  /** The hash of the session token the request came with. */
  session?: string;
}

export function isSuperuser(c: Caller): boolean {
  return c.uid === 0;
}

export function allowed(c: Caller, n: Inode, want: number): boolean {
  if (isSuperuser(c)) {
    // root may do anything but run a file no one may run
    return (want & X_OK) === 0 || n.type === 'dir' || (n.mode & 0o111) !== 0;
  }
  const bits = c.uid === n.uid ? n.mode >> 6 : c.gids.has(n.gid) ? n.mode >> 3 : n.mode;
  return (bits & want) === want;
}

/** The sticky bit: in such a directory only the owner of an entry (or of the directory) may remove or rename it. */
export function stickyBlocks(c: Caller, dir: Inode, entry: Inode): boolean {
  return (dir.mode & 0o1000) !== 0 && !isSuperuser(c) && c.uid !== entry.uid && c.uid !== dir.uid;
}

/**
 * A non-directory's mode once a write, truncate or chown has dropped what Linux drops
 * (should_remove_suid, setattr_should_drop_sgid): S_ISUID, and S_ISGID when the file is
 * group-executable or the caller is neither in its group nor a superuser. A setgid file
 * without group-execute keeps the bit for a caller in the group (it marks mandatory locking).
 */
export function withoutSetIds(c: Caller, n: Inode): number {
  if (n.type === 'dir') return n.mode;
  let mode = n.mode & ~0o4000;
  if ((mode & 0o2000) !== 0 && ((mode & 0o010) !== 0 || !(isSuperuser(c) || c.gids.has(n.gid)))) mode &= ~0o2000;
  return mode;
}
