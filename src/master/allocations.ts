// Block ids handed to writers and not yet committed. A writer gets an id with the nodes to
// store the block on and a capability to write it; the id belongs to one file until the
// commit names it, the writer gives it back, or it expires (then its copies are garbage).
// In memory only: after a restart a writer is told its ids are stale and uploads again.
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import type { Allocated } from '../protocol/methods.js';
import { REASON } from '../protocol/reasons.js';
import { DfsError } from '../rpc/errors.js';
import type { Capabilities } from './capabilities.js';
import type { NodeRegistry } from './nodes.js';

export interface Allocation {
  ino: number;
  expires: number;
  /** Nodes offered the block (at allocation and as replacements): where an orphan would be. */
  nodes: Set<string>;
}

/** What placing a block needs to know of the cluster. */
export interface PlacementRules {
  /** The copies a write of a file with `replicas` copies must store to succeed. */
  minCopies(replicas: number): number;
  /** What a node needs free to take a new block. */
  readonly blockBytesOnNode: number;
}

export class Allocations {
  private readonly byId = new Map<string, Allocation>();

  constructor(
    private readonly nodes: NodeRegistry,
    private readonly capabilities: Capabilities,
    private readonly rules: PlacementRules,
    private readonly ttlMs: number = DEFAULTS.allocationTtlMs,
  ) {}

  /**
   * Block ids for a writer, each with the nodes to store it on: `replicas` of them, or as
   * many as are up, down to the minimum (minCopies). Fewer up than the minimum is EIO (reason
   * no-nodes: just after a restart they have yet to dial in again, and the writer waits); a
   * node up but without room for the block is ENOSPC (DEFAULTS.minReplicas says why).
   */
  allocate(ino: number, count: number, replicas: number, exclude: string[] = []): Allocated[] {
    const out: Allocated[] = [];
    const expires = Date.now() + this.ttlMs;
    const min = this.rules.minCopies(replicas);
    const room = this.rules.blockBytesOnNode;
    for (let i = 0; i < count; i++) {
      const nodes = this.nodes.choose(replicas, exclude, room);
      const up = this.nodes.choose(replicas, exclude).length;
      if (nodes.length < up) {
        throw new DfsError(
          'ENOSPC',
          nodes.length === 0 ? 'no storage node has room for another block' : `only ${nodes.length} storage node(s) have room for the ${replicas} copies of a block`,
        );
      }
      if (up === 0) throw new DfsError('EIO', 'no storage node is up to take the block', { reason: REASON.noNodes });
      if (up < min) throw new DfsError('EIO', `${up} storage node(s) up; a write needs ${min} copies`, { reason: REASON.noNodes });
      const id = randomBytes(16).toString('hex');
      this.byId.set(id, { ino, expires, nodes: new Set(nodes.map((n) => n.id)) });
      this.nodes.reserve(
        nodes.map((n) => n.id),
        room,
      );
      out.push({ id, nodes: nodes.map((n) => ({ id: n.id, url: n.url })), cap: this.capabilities.sign('w', id), want: replicas, min });
    }
    return out;
  }

  /** The allocation of block `id` to file `ino`; EINVAL (stale-allocation) once expired, given back, or forgotten by a restart. */
  of(id: string, ino: number): Allocation {
    const a = this.byId.get(id);
    if (!a || a.ino !== ino) throw new DfsError('EINVAL', `block ${id} was not allocated to this file`, { reason: REASON.staleAllocation });
    return a;
  }

  /** How many block ids are handed out. */
  get size(): number {
    return this.byId.size;
  }

  /** The block ids handed out. */
  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  /** Whether a block id is still handed out (garbage collection leaves such blocks alone). */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The id is done with (committed, or given back); its allocation, if it was `ino`'s. */
  release(id: string, ino?: number): Allocation | undefined {
    const a = this.byId.get(id);
    if (!a || (ino !== undefined && a.ino !== ino)) return undefined;
    this.byId.delete(id);
    return a;
  }

  /** Takes out the allocations past their time and answers them, with their ids. */
  expire(now: number): [string, Allocation][] {
    const out: [string, Allocation][] = [];
    for (const [id, a] of this.byId) {
      if (a.expires >= now) continue;
      this.byId.delete(id);
      out.push([id, a]);
    }
    return out;
  }
}
