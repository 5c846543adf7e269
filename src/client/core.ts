// What an open file needs from the client it belongs to.
import type { Allocated, MasterMethod, Req, Res } from '../protocol/methods.js';
import type { BlockCache } from './block-cache.js';
import type { BlockIO, Limiter } from './block-io.js';
import type { BufferPool } from './buffer-pool.js';
import type { ClientLimits } from './limits.js';

export interface ClientCore {
  call<M extends MasterMethod>(method: M, req: Req<M>): Promise<Res<M>>;
  readonly cache: BlockCache;
  readonly io: BlockIO;
  readonly uploads: Limiter;
  /** Read-ahead, buffered bytes and write retries, as this client was given them. */
  readonly limits: ClientLimits;
  /** Recycled buffers of exactly `size` bytes. */
  pool(size: number): BufferPool;
  /** Stores a sealed block on its replicas, asking the master to replace nodes that fail (`ticket` as for reportCorrupt). */
  putReplicated(ino: number, ticket: string, index: number, a: Allocated, sealed: Buffer): Promise<{ id: string; nodes: string[] }>;
  /** Tells the master a replica failed its check (`ticket` from the file's open info). */
  reportCorrupt(ino: number, ticket: string, blockId: string, nodeId: string): void;
  nodeUrl(nodeId: string): string | undefined;
}
