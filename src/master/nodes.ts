// The storage-node registry: who is up, how full, and where new blocks should go.
import type { Peer } from '../rpc/peer.js';

export interface StorageNode {
  id: string;
  url: string;
  capacity: number;
  used: number;
  blockCount: number;
  lastSeen: number;
  alive: boolean;
  /** The node's registration link, over which the master sends it work. */
  peer?: Peer<unknown>;
}

export class NodeRegistry {
  readonly nodes = new Map<string, StorageNode>();
  /**
   * Nodes being emptied (`dfs node drain`): they take no new block and no repair copy, and
   * their copies do not count toward a block's factor, so repair copies them elsewhere;
   * reads and repairs may still copy from them. node-admin-service.ts keeps the set.
   */
  readonly draining = new Set<string>();

  constructor(private readonly deadAfterMs: number) {}

  upsert(n: Omit<StorageNode, 'alive' | 'lastSeen'>, now: number): StorageNode {
    const node: StorageNode = { ...n, alive: true, lastSeen: now };
    this.nodes.set(n.id, node);
    return node;
  }

  heartbeat(id: string, stats: { capacity: number; used: number; blockCount: number }, now: number): void {
    const n = this.nodes.get(id);
    if (!n) return;
    Object.assign(n, stats);
    n.lastSeen = now;
    n.alive = true;
  }

  /** Marks nodes dead that have missed their heartbeats; returns the newly dead. */
  sweep(now: number): StorageNode[] {
    const died: StorageNode[] = [];
    for (const n of this.nodes.values()) {
      if (n.alive && now - n.lastSeen > this.deadAfterMs) {
        n.alive = false;
        died.push(n);
      }
    }
    return died;
  }

  alive(): StorageNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  isAlive(id: string): boolean {
    return this.nodes.get(id)?.alive ?? false;
  }

  /** Up to `count` live nodes with `minFree` bytes free, most free space first, skipping `exclude`. */
  choose(count: number, exclude: Iterable<string> = [], minFree = 0): StorageNode[] {
    const skip = new Set(exclude);
    const candidates = this.alive().filter((n) => !skip.has(n.id) && !this.draining.has(n.id) && n.capacity - n.used >= minFree);
    // Free space decides; a random nudge of up to one block keeps equal nodes from
    // all receiving the same block stream in lock-step.
    const score = new Map(candidates.map((n) => [n.id, n.capacity - n.used + Math.random() * 4 * 1024 * 1024]));
    candidates.sort((a, b) => score.get(b.id)! - score.get(a.id)!);
    return candidates.slice(0, count);
  }

  /**
   * The copies of a block the cluster can hold for a factor of `wanted`: no more than one
   * per storage node it knows and keeps (up or down: a node that is down is a copy to repair,
   * not one that cannot be; a draining one is leaving). `dfs replicas F 9` on three nodes
   * keeps three, and is not damage.
   */
  copiesPossible(wanted: number): number {
    let staying = 0;
    for (const id of this.nodes.keys()) if (!this.draining.has(id)) staying++;
    return Math.max(1, Math.min(wanted, staying));
  }

  url(id: string): string | undefined {
    return this.nodes.get(id)?.url;
  }
}
