// The inodes the kernel knows, by node id. Node ids are dfs inode numbers, so the hard links
// of a file are one kernel inode, and each keeps the master's ticket (the proof that this
// session reached it) for the calls made on it. The kernel counts its lookups of each node
// (every entry answered is one) and gives them back with FORGET; at zero it holds the node
// no more, and neither does this table. The root is never forgotten.
import { DfsError } from '../rpc/errors.js';
import type { EntryInfo, NodeRef } from '../client/mount-api.js';

const ROOT_NODE = 1;

interface KernelNode {
  ref: NodeRef;
  lookups: number;
}

export class NodeTable {
  private readonly nodes = new Map<number, KernelNode>();

  constructor(root: EntryInfo) {
    if (root.attr.ino !== ROOT_NODE) throw new DfsError('EIO', `the root is inode ${root.attr.ino}, the kernel's is ${ROOT_NODE}`);
    this.nodes.set(ROOT_NODE, { ref: { ino: ROOT_NODE, ticket: root.ticket }, lookups: 1 });
  }

  /** An entry is about to go to the kernel: one more lookup of its inode, and its ticket kept (a newer one wins). */
  entered(e: EntryInfo): void {
    const ino = e.attr.ino;
    const n = this.nodes.get(ino);
    if (n) {
      n.lookups++;
      n.ref.ticket = e.ticket;
      return;
    }
    this.nodes.set(ino, { ref: { ino, ticket: e.ticket }, lookups: 1 });
  }

  /** The kernel gives back `count` lookups; true when it no longer holds the node (then forgotten here too). */
  forget(ino: number, count: number): boolean {
    const n = this.nodes.get(ino);
    if (!n || ino === ROOT_NODE) return false;
    n.lookups -= count;
    if (n.lookups > 0) return false;
    this.nodes.delete(ino);
    return true;
  }

  /** The node as the backend names it; ESTALE when the kernel names a node it was never given (or gave back). */
  ref(ino: number): NodeRef {
    const n = this.nodes.get(ino);
    if (!n) throw new DfsError('ESTALE', `the kernel names inode ${ino}, which this mount does not know`);
    return n.ref;
  }

  has(ino: number): boolean {
    return this.nodes.has(ino);
  }

  lookupsOf(ino: number): number | undefined {
    return this.nodes.get(ino)?.lookups;
  }

  /** Every node the kernel may hold (the root included). */
  inodes(): IterableIterator<number> {
    return this.nodes.keys();
  }

  get size(): number {
    return this.nodes.size;
  }
}
