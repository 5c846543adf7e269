// Keeping every block at its file's replication factor. A scan compares each file's blocks
// with the copies on live nodes and queues what is off: too few copies are copied node to
// node (the master tells a target `block.replicate` from a source), too many are trimmed.
// A node that registers is reconciled first: its real block list corrects the block map
// (copies it lost are forgotten, copies the map did not know are adopted, blocks no one
// references are deleted), and only then do its copies count.
//
// Bad copies. A node that finds its own copy bad (checksum, or the file gone) has dropped
// it: the map forgets it at once. A copy a client found bad (GCM) may be the client's error,
// and may be the last copy there is: it is marked suspect (journaled) and kept, but it no
// longer counts, is not copied from and is offered to readers last; it is deleted only
// once enough good copies are whole. A block whose every live copy is suspect is lost:
// counted as missing (no copy can be read) and as lost, and nothing of it is deleted.
import { bytesOnNode } from '../protocol/block-format.js';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Logger } from '../log.js';
import type { Allocations } from './allocations.js';
import type { BlockInfo } from './block-map.js';
import type { Capabilities } from './capabilities.js';
import type { MutationRecord } from './records.js';
import { listNodeBlocks } from './node-blocks.js';
import type { NodeRegistry, RegisteredNode } from './nodes.js';
import { emptyHealth, SCAN_SLICE, scanSlice, type ReplicationHealth, type ScanPass, type ScanView } from './replication-scan.js';
import type { MasterState } from './state.js';

/**
 * The part of the master's context (context.ts) the replicator works through; the master's
 * whole context is one, and so is a test's in-memory one.
 */
export interface ReplicationContext {
  readonly state: Pick<MasterState, 'blocks' | 'ns'>;
  /** Applies records now and resolves once they are durable (records.ts). */
  mutate(records: MutationRecord[]): Promise<void>;
  readonly capabilities: Pick<Capabilities, 'sign'>;
  readonly nodes: NodeRegistry;
  readonly allocations: Pick<Allocations, 'has'>;
  /** Block ids per block.list page when it lists a node's blocks (default DEFAULTS.blockListPage); `object &` lets a whole config through TypeScript's check for an all-optional type. */
  readonly config: object & { readonly blockListPage?: number };
  readonly logger: Logger;
}

export interface ReplicationOptions {
  graceMs?: number;
  concurrency?: number;
  perNode?: number;
  scanMs?: number;
  reconcileMs?: number;
}

export class Replicator {
  private readonly startedAt = Date.now();
  private scanWanted = true;
  private lastScan = 0;
  private scanning?: Promise<void>;
  /** Blocks to fix, with the copies their file wants. */
  private queue = new Map<string, number>();
  private active = 0;
  /** Block → nodes a copy is being made on. */
  private readonly copying = new Map<string, Set<string>>();
  /** Node → copies it is the source or target of. */
  private readonly busy = new Map<string, number>();
  /** `block:node` pairs whose copy is being deleted; reconciliation must not adopt them. */
  private readonly removing = new Set<string>();
  /** Block → nodes that found their own copy bad and dropped it, until the block is back to its factor. */
  readonly corrupt = new Map<string, Set<string>>();
  /** Nodes whose block list has been checked since they (re)registered, and when. */
  private readonly reconciled = new Map<string, number>();
  private readonly reconciling = new Set<string>();
  private readonly o: Required<ReplicationOptions>;
  health: ReplicationHealth = emptyHealth();

  constructor(
    private readonly m: ReplicationContext,
    options: ReplicationOptions = {},
  ) {
    this.o = {
      graceMs: options.graceMs ?? DEFAULTS.repairGraceMs,
      concurrency: options.concurrency ?? DEFAULTS.repairConcurrency,
      perNode: options.perNode ?? DEFAULTS.repairPerNode,
      scanMs: options.scanMs ?? DEFAULTS.repairScanMs,
      reconcileMs: options.reconcileMs ?? DEFAULTS.reconcileMs,
    };
  }

  /** Something changed (a node died or joined, a factor changed, a copy went bad): scan soon. */
  requestScan(): void {
    this.scanWanted = true;
  }

  /** A node's copies count only once its block list has been checked. */
  counts(nodeId: string): boolean {
    return this.m.nodes.isAlive(nodeId) && this.reconciled.has(nodeId);
  }

  /** The copies of a block that reads and repairs can rely on. */
  holders(b: BlockInfo): string[] {
    return [...b.nodes].filter((n) => this.counts(n));
  }

  nodeDied(nodeId: string): void {
    this.reconciled.delete(nodeId);
    this.scanWanted = true;
  }

  nodeRegistered(nodeId: string): void {
    this.reconciled.delete(nodeId);
    void this.reconcile(nodeId);
  }

  /** Runs on the maintenance timer. */
  async tick(now: number): Promise<void> {
    for (const n of this.m.nodes.alive()) {
      const at = this.reconciled.get(n.id);
      if (at === undefined || now - at > this.o.reconcileMs) void this.reconcile(n.id);
    }
    if (now - this.startedAt < this.o.graceMs) return;
    if (!this.scanning && (this.scanWanted || now - this.lastScan > this.o.scanMs)) {
      this.scanning = this.runPass().finally(() => {
        this.scanning = undefined;
      });
    }
    this.pump();
  }

  /**
   * One pass over the files in slices, yielding to the event loop between them, so a
   * million files never hold up the master for long. Publishes the health counts and the
   * work queue when done. A change during the pass asks for another pass.
   */
  private async runPass(): Promise<void> {
    this.scanWanted = false;
    const pass = this.newPass();
    const files = this.m.state.ns.inodes.values();
    for (;;) {
      const step = scanSlice(pass, files, SCAN_SLICE, this.scanView());
      if (step === 'done') break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.finishPass(pass);
    this.queue = pass.queue;
    this.lastScan = Date.now();
  }

  /** Health counts now, in one synchronous pass (for `dfs status`). */
  scan(): ReplicationHealth {
    const pass = this.newPass();
    scanSlice(pass, this.m.state.ns.inodes.values(), Infinity, this.scanView());
    this.finishPass(pass);
    return this.health;
  }

  private newPass(): ScanPass {
    const counting = new Set<string>();
    for (const n of this.m.nodes.alive()) if (this.reconciled.has(n.id)) counting.add(n.id);
    return { health: emptyHealth(), queue: new Map(), counting };
  }

  private scanView(): ScanView {
    return { blocks: this.m.state.blocks, nodes: this.m.nodes, corrupt: this.corrupt, copying: this.copying };
  }

  private finishPass(pass: ScanPass): void {
    const blocks = this.m.state.blocks;
    for (const id of this.corrupt.keys()) if (!blocks.get(id)) this.corrupt.delete(id); // its file is gone
    this.health = pass.health;
  }

  /** Starts queued work up to the concurrency limits. */
  private pump(): void {
    for (const [id, want] of this.queue) {
      if (this.active >= this.o.concurrency) return;
      this.queue.delete(id);
      this.active++;
      this.fix(id, want)
        .catch((err: unknown) => {
          this.m.logger.warn({ block: id, err: (err as Error).message }, 'block repair failed; retried on a later scan');
          this.scanWanted = true; // try again on a later scan
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  /** The good copies of `b` that count, and the suspect ones. */
  private copiesOf(b: BlockInfo): { good: string[]; bad: string[] } {
    const held = this.holders(b);
    return { good: held.filter((n) => !b.suspect?.has(n)), bad: held.filter((n) => b.suspect?.has(n)) };
  }

  private async fix(id: string, want: number): Promise<void> {
    const b = this.m.state.blocks.get(id);
    if (!b) return;
    const { good: readable, bad } = this.copiesOf(b);
    // a copy on a draining node counts for nothing, but can still be copied from
    const staying = (nodes: string[]): string[] => nodes.filter((n) => !this.m.nodes.draining.has(n));
    const good = staying(readable);
    const coming = this.copying.get(id) ?? new Set<string>();
    if (readable.length > 0 && good.length + coming.size < want) await this.copy(b, want - good.length - coming.size, readable);
    // a suspect copy goes only now: enough good copies are whole without it
    else if (good.length >= want && coming.size === 0 && bad.length > 0) await this.removeCopies(b, bad);
    else if (good.length > want && coming.size === 0) await this.trim(b, good.length - want, good);
    // limits (busy nodes, no room) may have allowed only part of the work: look again soon
    const now = this.copiesOf(b);
    if (staying(now.good).length + (this.copying.get(id)?.size ?? 0) !== want || now.bad.length > 0) this.scanWanted = true;
  }

  private isBusy(nodeId: string): boolean {
    return (this.busy.get(nodeId) ?? 0) >= this.o.perNode;
  }

  private hold(nodeId: string, delta: number): void {
    this.busy.set(nodeId, (this.busy.get(nodeId) ?? 0) + delta);
  }

  /** Makes `count` new copies of `b` from its live holders onto nodes that have none. */
  private async copy(b: BlockInfo, count: number, live: string[]): Promise<void> {
    const coming = this.copying.get(b.id) ?? new Set<string>();
    const exclude = new Set([...b.nodes, ...coming]);
    const targets = this.m.nodes
      // room for the sealed block, not just its plaintext: a copy that does not fit is ENOSPC on the target
      .choose(this.m.nodes.nodes.size, exclude, bytesOnNode(b.size))
      .filter((n) => this.counts(n.id) && !this.isBusy(n.id) && n.peer?.isOpen)
      .slice(0, count);
    if (targets.length === 0) {
      this.scanWanted = true; // no room now; a later scan tries again
      return;
    }
    this.copying.set(b.id, coming);
    await Promise.all(
      targets.map(async (t) => {
        const sources = live.filter((n) => !this.isBusy(n)).map((n) => this.m.nodes.nodes.get(n)!);
        const source = sources.sort((x, y) => (this.busy.get(x.id) ?? 0) - (this.busy.get(y.id) ?? 0))[0];
        if (!source) {
          this.scanWanted = true;
          return;
        }
        coming.add(t.id);
        this.m.nodes.reserve([t.id], bytesOnNode(b.size));
        this.hold(t.id, 1);
        this.hold(source.id, 1);
        try {
          await this.replicateOne(b.id, t, source);
        } finally {
          coming.delete(t.id);
          this.hold(t.id, -1);
          this.hold(source.id, -1);
        }
      }),
    );
    if (coming.size === 0) this.copying.delete(b.id);
  }

  private async replicateOne(id: string, target: RegisteredNode, source: RegisteredNode): Promise<void> {
    if (!target.peer?.isOpen) throw new DfsError('ENOTCONN', `node ${target.id} is not connected`);
    await target.peer.call('block.replicate', { id, from: source.url, cap: this.m.capabilities.sign('r', id) });
    if (this.m.state.blocks.get(id)) {
      await this.m.mutate([{ op: 'locate', id, add: [target.id] }]);
    } else {
      // the file went while we copied: the new copy is garbage
      await this.m.mutate([{ op: 'garbage', id, nodes: [target.id] }]);
    }
  }

  /** Drops `count` copies, from the fullest nodes: forgotten first (journaled), then deleted. */
  private async trim(b: BlockInfo, count: number, live: string[]): Promise<void> {
    const free = (id: string): number => {
      const n = this.m.nodes.nodes.get(id)!;
      return n.capacity - n.used;
    };
    await this.removeCopies(b, [...live].sort((x, y) => free(x) - free(y)).slice(0, count));
  }

  /** Forgets copies (journaled), then has their nodes delete them. */
  private async removeCopies(b: BlockInfo, drop: string[]): Promise<void> {
    await this.m.mutate([{ op: 'locate', id: b.id, remove: drop }]);
    await Promise.all(drop.map((n) => this.deleteCopy(b.id, n)));
  }

  private async deleteCopy(id: string, nodeId: string): Promise<void> {
    const key = `${id}:${nodeId}`;
    this.removing.add(key);
    try {
      await this.m.nodes.nodes.get(nodeId)?.peer?.call('block.delete', { ids: [id] });
    } catch {
      // the node is away; reconciliation deletes the copy when it is back
    } finally {
      this.removing.delete(key);
    }
  }

  /**
   * A copy failed a check. The node's own word (its checksum, or the file gone) means the
   * node has dropped it: forgotten at once. A client's (a GCM failure) marks it suspect and
   * keeps it (see the file comment): a false report, or damage to every copy, must never
   * cost the last copy of a block.
   */
  async dropCorrupt(id: string, nodeId: string, nodeSaysSo = false): Promise<void> {
    const b = this.m.state.blocks.get(id);
    if (!b || !b.nodes.has(nodeId)) return;
    this.scanWanted = true;
    if (!nodeSaysSo) {
      if (b.suspect?.has(nodeId)) return;
      await this.m.mutate([{ op: 'suspect', id, nodes: [nodeId] }]);
      if (this.copiesOf(b).good.length === 0) {
        this.m.logger.error({ block: id, node: nodeId }, "every live copy of a block failed a client's check: the block is lost (copies kept)");
      }
      return;
    }
    let set = this.corrupt.get(id);
    if (!set) {
      set = new Set();
      this.corrupt.set(id, set);
    }
    set.add(nodeId);
    await this.m.mutate([{ op: 'locate', id, remove: [nodeId] }]);
    await this.deleteCopy(id, nodeId);
  }

  /** Checks a node's real block list against the block map (see the file comment). */
  async reconcile(nodeId: string): Promise<void> {
    if (this.reconciling.has(nodeId)) return;
    const node = this.m.nodes.nodes.get(nodeId);
    const peer = node?.peer;
    if (!node?.alive || !peer?.isOpen) return;
    this.reconciling.add(nodeId);
    try {
      const blocks = this.m.state.blocks;
      // what the map said before the list was taken: blocks placed later may be missing from it
      const before: string[] = [];
      for (const b of blocks.blocks.values()) if (b.nodes.has(nodeId)) before.push(b.id);
      const listed = await listNodeBlocks(peer, this.m.config.blockListPage);
      if (node.peer !== peer) return; // re-registered meanwhile; that registration reconciles
      const records: MutationRecord[] = [];
      for (const id of before) {
        if (!listed.has(id) && blocks.get(id)?.nodes.has(nodeId)) records.push({ op: 'locate', id, remove: [nodeId] });
      }
      const orphans: string[] = [];
      for (const id of listed) {
        const b = blocks.get(id);
        if (this.copying.get(id)?.has(nodeId) || this.removing.has(`${id}:${nodeId}`)) continue;
        if (b) {
          if (!b.nodes.has(nodeId)) records.push({ op: 'locate', id, add: [nodeId] });
        } else if (blocks.garbage.has(id)) {
          if (!blocks.garbage.get(id)!.has(nodeId)) records.push({ op: 'garbage', id, nodes: [nodeId] });
        } else if (!this.m.allocations.has(id)) orphans.push(id);
      }
      for (let i = 0; i < records.length; i += DEFAULTS.gcBatch) await this.m.mutate(records.slice(i, i + DEFAULTS.gcBatch));
      for (let i = 0; i < orphans.length; i += DEFAULTS.gcBatch) {
        await peer.call('block.delete', { ids: orphans.slice(i, i + DEFAULTS.gcBatch) });
      }
      if (records.length || orphans.length) {
        this.m.logger.info({ node: nodeId, corrected: records.length, orphansDeleted: orphans.length }, 'node reconciled with the block map');
      }
      this.reconciled.set(nodeId, Date.now());
      this.scanWanted = true;
    } catch (err) {
      this.m.logger.warn({ node: nodeId, err: (err as Error).message }, 'cannot reconcile node; retried later');
    } finally {
      this.reconciling.delete(nodeId);
    }
  }
}
