// Extended attributes by inode: getfattr/setfattr, `cp --preserve=xattr`, `rsync -X`. The
// master keeps them and applies Linux's rules (src/master/xattr-service.ts); the binding
// answers the kernel's size probes and ERANGE from the whole value or list given here.
//
// The kernel asks for `security.capability` before every write (to drop file capabilities),
// which would be a call to the master per write(2). So the absence of that one attribute is
// remembered per inode, until this mount changes the inode's attributes or the master says
// another session changed the inode (an invalidation: its lease keeps the memory true).
import { DfsError } from '../rpc/errors.js';
import type { InodeContext } from './inode-context.js';
import type { LowLevelOps } from './lowlevel-ops.js';

export type XattrOps = Required<Pick<LowLevelOps, 'getxattr' | 'listxattr' | 'setxattr' | 'removexattr'>>;

const CAPABILITY = 'security.capability';
/** Inodes whose absent capability is remembered at most (then the memory starts again). */
const REMEMBERED = 100_000;

export class AbsentCapabilities {
  private readonly inos = new Set<number>();

  has(ino: number): boolean {
    return this.inos.has(ino);
  }

  add(ino: number): void {
    if (this.inos.size >= REMEMBERED) this.inos.clear();
    this.inos.add(ino);
  }

  forget(ino: number): void {
    this.inos.delete(ino);
  }
}

export function xattrOps(ctx: InodeContext, absent: AbsentCapabilities): XattrOps {
  const { backend, nodes } = ctx;
  return {
    getxattr: async (_req, ino, name) => {
      if (name === CAPABILITY && absent.has(ino)) throw new DfsError('ENODATA', `no attribute ${name}`);
      try {
        return await backend.getxattr(nodes.ref(ino), name);
      } catch (err) {
        if (name === CAPABILITY && (err as DfsError).code === 'ENODATA') absent.add(ino);
        throw err;
      }
    },
    listxattr: (_req, ino) => backend.listxattr(nodes.ref(ino)),
    setxattr: async (_req, ino, name, value, flags) => {
      absent.forget(ino);
      await backend.setxattr(nodes.ref(ino), name, value, flags);
    },
    removexattr: (_req, ino, name) => backend.removexattr(nodes.ref(ino), name),
  };
}
