// Which (inode, owner) pairs hold locks through this mount, so that a close of an owner that
// holds none costs no call to the master (inode-lock-ops.ts).
export class HeldLocks {
  private readonly posix = new Set<string>();
  private readonly flocks = new Set<string>();

  took(kind: 'posix' | 'flock', ino: number, owner: bigint): void {
    (kind === 'posix' ? this.posix : this.flocks).add(`${ino}:${owner}`);
  }

  /** Whether `owner` may hold locks of `kind` on `ino`; forgets it (they are about to go). */
  take(kind: 'posix' | 'flock', ino: number, owner: bigint): boolean {
    return (kind === 'posix' ? this.posix : this.flocks).delete(`${ino}:${owner}`);
  }
}
