// The master's background work: notice dead nodes, keep blocks at their replication factor
// (replication.ts), delete unreferenced blocks, forget stale allocations, take snapshots.
// Runs on a timer; every step is safe to repeat.
import { DEFAULTS } from '../defaults.js';
import type { MasterContext } from './context.js';
import { forgetIfOrphan } from './inode-service.js';

/** Snapshots of the metadata, when the master keeps it on disk (persistence.ts). */
export interface Checkpoints {
  needsCheckpoint(): boolean;
  checkpoint(): Promise<unknown>;
}
import type { MutationRecord } from './records.js';
import { Replicator, type ReplicationOptions } from './replication.js';

export class Maintenance {
  private timer?: NodeJS.Timeout;
  private running = false;
  private orphansSwept = false;
  private leasesPruned = 0;
  readonly replication: Replicator;

  constructor(
    private readonly m: Omit<MasterContext, 'replication'>,
    private readonly checkpoints: () => Checkpoints | undefined,
    replication: ReplicationOptions = {},
  ) {
    this.replication = new Replicator(m, replication);
  }

  start(): void {
    // a failed round (the journal refusing a write, say) is logged and the next one tries
    // again; a rejection left unhandled would end the master
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.m.logger.error({ err: (err as Error).message }, 'maintenance round failed'));
    }, this.m.config.heartbeatMs);
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
      for (const dead of this.m.nodes.sweep(now)) {
        this.m.logger.warn({ node: dead.id }, 'node missed its heartbeats; its copies no longer count');
        this.replication.nodeDied(dead.id);
      }
      await this.expireAllocations(now);
      await this.forgetOrphans(now);
      await this.collectGarbage();
      await this.replication.tick(now);
      const store = this.checkpoints();
      // not awaited: a worker checkpoint of a large namespace is long, and sweeping dead
      // nodes, expiring allocations, GC and repair must go on meanwhile
      if (store?.needsCheckpoint()) void store.checkpoint().catch((err: unknown) => this.m.logger.error({ err: (err as Error).message }, 'snapshot failed'));
    } finally {
      this.running = false;
    }
  }

  /** Blocks below their replication target, with no good live copy (and of those, every copy bad), and with a bad copy not yet replaced, as of the last scan. */
  counts(): { underReplicated: number; missing: number; lost: number; corrupt: number } {
    return this.replication.health;
  }

  /**
   * Files with no name left go once nobody holds them: the holds of clients gone past their
   * grace lapse, and after a restart, once the grace is over, every orphan nobody claimed.
   * Leases past their time are forgotten now and then.
   */
  private async forgetOrphans(now: number): Promise<void> {
    for (const ino of this.m.holds.expire(now)) await forgetIfOrphan(this.m, ino);
    if (!this.orphansSwept && this.m.holds.pastGrace(now)) {
      this.orphansSwept = true;
      for (const n of this.m.state.ns.orphans()) await forgetIfOrphan(this.m, n.ino);
    }
    if (now - this.leasesPruned >= this.m.leases.ttlMs / 2) {
      this.leasesPruned = now;
      this.m.leases.prune(now);
    }
  }

  /** A block allocated and never committed is garbage on every node it was offered to (journaled: records.ts). */
  private async expireAllocations(now: number): Promise<void> {
    const blocks = this.m.state.blocks;
    const records: MutationRecord[] = [];
    for (const [id, a] of this.m.allocations.expire(now)) {
      if (blocks.get(id) || a.nodes.size === 0) continue;
      records.push({ op: 'garbage', id, nodes: [...a.nodes] });
    }
    for (let i = 0; i < records.length; i += DEFAULTS.gcBatch) await this.m.mutate(records.slice(i, i + DEFAULTS.gcBatch));
  }

  /** Sends deletes for unreferenced blocks to the live nodes holding them. */
  async collectGarbage(): Promise<void> {
    const garbage = this.m.state.blocks.garbage;
    if (garbage.size === 0) return;
    const perNode = new Map<string, string[]>();
    for (const [id, nodes] of garbage) {
      for (const n of nodes) {
        let ids = perNode.get(n);
        if (!ids) perNode.set(n, (ids = []));
        if (ids.length < DEFAULTS.gcBatch) ids.push(id);
      }
    }
    await Promise.all(
      [...perNode].map(async ([nodeId, batch]) => {
        const node = this.m.nodes.nodes.get(nodeId);
        if (!node?.alive || !node.peer?.isOpen) return; // retried when it is back
        try {
          await node.peer.call('block.delete', { ids: batch });
        } catch {
          return;
        }
        // journaled, so a snapshot built from the journal (checkpoint worker) forgets it too
        await this.m.mutate(batch.map((id) => ({ op: 'locate' as const, id, remove: [nodeId] })));
      }),
    );
  }
}
