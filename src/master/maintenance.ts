// The master's background work: notice dead nodes, delete unreferenced blocks, forget
// stale allocations. Runs on a timer; every step is safe to repeat.
import type { Master } from './master.js';

export class Maintenance {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly m: Master, readonly heartbeatMs: number) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = Date.now();
      this.m.nodes.sweep(now);
      for (const [id, a] of this.m.allocations) if (a.expires < now) this.m.allocations.delete(id);
      await this.collectGarbage();
      const store = this.m.store;
      if (store?.needsCheckpoint()) await store.checkpoint().catch((err: unknown) => this.m.say(`master: snapshot failed: ${(err as Error).message}`));
    } finally {
      this.running = false;
    }
  }

  /** Counts of blocks below their replication target and of blocks with no live copy. */
  counts(): { underReplicated: number; missing: number } {
    const want = new Map<string, number>();
    for (const n of this.m.state.ns.inodes.values()) {
      for (const b of n.blocks ?? []) if (b) want.set(b.id, Math.max(want.get(b.id) ?? 0, n.replicas));
    }
    let underReplicated = 0;
    let missing = 0;
    for (const [id, r] of want) {
      const info = this.m.state.blocks.get(id);
      let live = 0;
      for (const nodeId of info?.nodes ?? []) if (this.m.nodes.isAlive(nodeId)) live++;
      if (live === 0) missing++;
      else if (live < r) underReplicated++;
    }
    return { underReplicated, missing };
  }

  /** A replica failed its check: forget it, have its node delete it, and let repair re-copy. */
  async dropReplica(id: string, nodeId: string): Promise<void> {
    const b = this.m.state.blocks.get(id);
    if (!b || !b.nodes.has(nodeId)) return;
    await this.m.mutate([{ op: 'locate', id, remove: [nodeId] }]);
    const node = this.m.nodes.nodes.get(nodeId);
    node?.peer?.call('block.delete', { ids: [id] }).catch(() => undefined);
  }

  /** Sends deletes for unreferenced blocks to the live nodes holding them. */
  async collectGarbage(): Promise<void> {
    const garbage = this.m.state.blocks.garbage;
    if (garbage.size === 0) return;
    const perNode = new Map<string, string[]>();
    for (const [id, nodes] of garbage) {
      for (const n of nodes) {
        if (!perNode.has(n)) perNode.set(n, []);
        perNode.get(n)!.push(id);
      }
    }
    await Promise.all(
      [...perNode].map(async ([nodeId, ids]) => {
        const node = this.m.nodes.nodes.get(nodeId);
        if (!node?.alive || !node.peer?.isOpen) return; // retried when it is back
        const batch = ids.slice(0, 1000);
        try {
          await node.peer.call('block.delete', { ids: batch });
        } catch {
          return;
        }
        for (const id of batch) {
          const holders = garbage.get(id);
          holders?.delete(nodeId);
          if (holders && holders.size === 0) garbage.delete(id);
        }
      }),
    );
  }
}
