// The storage-node registry: who is up, how full, and where new blocks should go.
//
// Space is counted as the nodes report it, with one correction: nodes whose data dirs share
// a file system (the same `volume`) each report all of its free space as their own, so the
// cluster's free space counts a volume's free bytes once, not once a node.
import type { Peer } from '../rpc/peer.js';

/** What a node says of its space, at registration and with every heartbeat. */
export interface NodeSpace {
  capacity: number;
  used: number;
  blockCount: number;
  /** The file system its blocks are on, when it knows (disk nodes). */
  volume?: string;
  /** That file system's free bytes. */
  volumeFree?: number;
}

/** The cluster's space, a shared file system counted once. */
export interface SpaceTotals {
  capacity: number;
  used: number;
  free: number;
}

export interface RegisteredNode extends NodeSpace {
  id: string;
  url: string;
  lastSeen: number;
  alive: boolean;
  /** The node's registration link, over which the master sends it work. */
  peer?: Peer<unknown>;
  /** Bytes of blocks placed here since its last heartbeat (see reserve). */
  reserved?: number;
}

export class NodeRegistry {
  readonly nodes = new Map<string, RegisteredNode>();
  /**
   * Nodes being emptied (`dfs node drain`): they take no new block and no repair copy, and
   * their copies do not count toward a block's factor, so repair copies them elsewhere;
   * reads and repairs may still copy from them. The set is the master state's (records.ts
   * 'drain'), so a master restart goes on with the drain.
   */
  constructor(
    private readonly deadAfterMs: number,
    readonly draining: ReadonlySet<string> = new Set(),
  ) {}

  upsert(n: Omit<RegisteredNode, 'alive' | 'lastSeen'>, now: number): RegisteredNode {
    const node: RegisteredNode = { ...n, alive: true, lastSeen: now };
    this.nodes.set(n.id, node);
    return node;
  }

  heartbeat(id: string, stats: NodeSpace, now: number): void {
    const n = this.nodes.get(id);
    if (!n) return;
    Object.assign(n, stats);
    n.reserved = 0;
    n.lastSeen = now;
    n.alive = true;
  }

  /**
   * Counts `bytes` against `ids` for placement, for a block about to be stored there: a writer
   * sends many blocks between two heartbeats, and without this every one of them would go to
   * the nodes that looked emptiest at the last. Only the ranking counts it (a block may be
   * smaller than reserved, or never come): whether a node has room is what it last said. The
   * next heartbeat starts afresh.
   */
  reserve(ids: Iterable<string>, bytes: number): void {
    for (const id of ids) {
      const n = this.nodes.get(id);
      if (n) n.reserved = (n.reserved ?? 0) + bytes;
    }
  }

  /** Marks nodes dead that have missed their heartbeats; returns the newly dead. */
  sweep(now: number): RegisteredNode[] {
    const died: RegisteredNode[] = [];
    for (const n of this.nodes.values()) {
      if (n.alive && now - n.lastSeen > this.deadAfterMs) {
        n.alive = false;
        died.push(n);
      }
    }
    return died;
  }

  alive(): RegisteredNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  isAlive(id: string): boolean {
    return this.nodes.get(id)?.alive ?? false;
  }

  /** Up to `count` live nodes with `minFree` bytes free, most free space first, skipping `exclude`. */
  choose(count: number, exclude: Iterable<string> = [], minFree = 0): RegisteredNode[] {
    const skip = new Set(exclude);
    const candidates = this.alive().filter((n) => !skip.has(n.id) && !this.draining.has(n.id) && n.capacity - n.used >= minFree);
    // Free space decides; a random nudge of up to one block keeps equal nodes from
    // all receiving the same block stream in lock-step.
    const score = new Map(candidates.map((n) => [n.id, n.capacity - n.used - (n.reserved ?? 0) + Math.random() * 4 * 1024 * 1024]));
    candidates.sort((a, b) => score.get(b.id)! - score.get(a.id)!);
    return candidates.slice(0, count);
  }

  /**
   * Live nodes' space all told. A node's free space is capacity - used; nodes on one volume
   * together have at most the volume's free bytes (each reported all of it), so the volume's
   * share is the smaller of the two.
   */
  totals(): SpaceTotals {
    let used = 0;
    let free = 0;
    const volumes = new Map<string, { free: number; fsFree: number }>();
    for (const n of this.alive()) {
      used += n.used;
      const own = Math.max(0, n.capacity - n.used);
      if (n.volume === undefined || n.volumeFree === undefined) {
        free += own;
        continue;
      }
      const v = volumes.get(n.volume) ?? { free: 0, fsFree: n.volumeFree };
      v.free += own;
      v.fsFree = Math.min(v.fsFree, n.volumeFree);
      volumes.set(n.volume, v);
    }
    for (const v of volumes.values()) free += Math.min(v.free, v.fsFree);
    return { capacity: used + free, used, free };
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
