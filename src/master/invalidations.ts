// What a record changes that a mount may have cached: inodes whose attributes (or data) it
// changes, and names in directories it adds, removes or repoints. Worked out before the
// record is applied, while the names it removes still say which inode they named.
import type { Invalidation } from '../protocol/methods.js';
import type { MutationRecord } from './records.js';
import type { MasterState } from './state.js';

export function touchedBy(state: MasterState, r: MutationRecord): Invalidation[] {
  const ns = state.ns;
  const entry = (parent: number, name: string): Invalidation => ({ kind: 'entry', parent, name });
  const inode = (ino: number): Invalidation => ({ kind: 'inode', ino });
  const named = (parent: number, name: string): Invalidation[] => {
    const ino = ns.get(parent)?.entries?.get(name);
    return ino === undefined ? [] : [inode(ino)];
  };
  switch (r.op) {
    case 'mknod':
      return [entry(r.parent, r.name), inode(r.parent)];
    case 'link':
      return [entry(r.parent, r.name), inode(r.parent), inode(r.ino)];
    case 'unlink':
    case 'purge':
      return [entry(r.parent, r.name), inode(r.parent), ...named(r.parent, r.name)];
    case 'trash':
      return [entry(r.parent, r.name), inode(r.parent), inode(r.ino)];
    case 'restore':
      return [entry(r.to, r.toName), inode(r.to), ...named(r.to, r.toName)];
    case 'rename':
      return [entry(r.from, r.fromName), entry(r.to, r.toName), inode(r.from), inode(r.to), ...named(r.from, r.fromName), ...named(r.to, r.toName)];
    case 'setattr':
    case 'commit':
    case 'xattr':
      return [inode(r.ino)];
    default:
      return [];
  }
}
