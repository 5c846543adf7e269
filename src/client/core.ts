// What an open file needs from the client it belongs to.
import type { Meta } from '../rpc/frame.js';
import type { Incoming } from '../rpc/peer.js';
import type { BlockCache } from './block-cache.js';
import type { BlockIO, Limiter } from './block-io.js';
import type { BufferPool } from './buffer-pool.js';

export interface Allocated {
  id: string;
  nodes: { id: string; url: string }[];
  cap: string;
  /** The file's copies of each block, and how many a write must store to succeed (absent from an older master: as many as `nodes`, and 1). */
  want?: number;
  min?: number;
}

export interface ClientCore {
  call(method: string, meta?: Meta): Promise<Incoming>;
  readonly cache: BlockCache;
  readonly io: BlockIO;
  readonly uploads: Limiter;
  /** Recycled buffers of exactly `size` bytes. */
  pool(size: number): BufferPool;
  /** Stores a sealed block on its replicas, asking the master to replace nodes that fail (`ticket` as for reportCorrupt). */
  putReplicated(ino: number, ticket: string, index: number, a: Allocated, sealed: Buffer): Promise<{ id: string; nodes: string[] }>;
  /** Tells the master a replica failed its check (`ticket` from the file's open info). */
  reportCorrupt(ino: number, ticket: string, blockId: string, nodeId: string): void;
  nodeUrl(nodeId: string): string | undefined;
}
