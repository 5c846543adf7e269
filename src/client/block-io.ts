// Moving sealed blocks to and from storage nodes: one connection per node, writes to
// every replica at once, reads from the first replica that answers with a good block.
import { DEFAULTS } from '../defaults.js';
import type { NodeAddress, RemoteBlock } from '../protocol/methods.js';
import { RpcClient } from '../rpc/client.js';
import { DfsError, toDfsError } from '../rpc/errors.js';

/** A counting semaphore: at most `n` holders at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class BlockIO {
  private readonly conns = new Map<string, RpcClient>();

  constructor(private readonly ca?: Buffer) {}

  private conn(url: string): RpcClient {
    let c = this.conns.get(url);
    if (!c) {
      c = new RpcClient(url, { ca: this.ca, maxMessageBytes: DEFAULTS.storageMaxMessage });
      this.conns.set(url, c);
    }
    return c;
  }

  /** Writes to every node; returns the ids of the nodes that took the block, and why the others did not. */
  async put(id: string, cap: string, nodes: NodeAddress[], sealed: Buffer): Promise<{ ok: string[]; failed: string[]; errors: DfsError[] }> {
    const ok: string[] = [];
    const failed: string[] = [];
    const errors: DfsError[] = [];
    await Promise.all(
      nodes.map(async (n) => {
        try {
          await this.conn(n.url).call('block.put', { id, cap }, sealed);
          ok.push(n.id);
        } catch (err) {
          failed.push(n.id);
          errors.push(toDfsError(err));
        }
      }),
    );
    return { ok, failed, errors };
  }

  /**
   * Reads from the replicas in turn until one gives a block that `open` accepts.
   * `onBad` hears of replicas whose bytes failed the check.
   */
  async get<T>(b: RemoteBlock, open: (sealed: Buffer) => T, onBad: (nodeId: string) => void, range?: { offset: number; length: number }): Promise<T> {
    let last: DfsError | undefined;
    for (const n of b.nodes) {
      let sealed: Buffer;
      try {
        const meta = range ? { id: b.id, cap: b.cap, offset: range.offset, length: range.length } : { id: b.id, cap: b.cap };
        sealed = (await this.conn(n.url).call('block.get', meta)).payload;
      } catch (err) {
        last = toDfsError(err);
        if (last.code === 'EACCES') throw last; // a capability problem is the same on every node
        continue;
      }
      try {
        return open(sealed);
      } catch (err) {
        onBad(n.id);
        last = toDfsError(err);
      }
    }
    throw new DfsError('EIO', `cannot read block ${b.index}: ${last?.message ?? 'no live replica'}`);
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}
