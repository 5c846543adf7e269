// Where a storage node keeps its blocks. Blocks are immutable and opaque (ciphertext):
// a store puts, gets and deletes whole blocks by id, and reads byte ranges of them.
export interface BlockStore {
  put(id: string, data: Buffer): Promise<void>;
  /** The block, or undefined when this store does not hold it. */
  get(id: string): Promise<Buffer | undefined>;
  /**
   * Bytes [offset, offset + length) of a block, cut at its end; undefined when not held.
   * A random read wants one 64 KiB segment of a 4 MiB block: the store reads only that.
   * The client's GCM tag checks the range; the store's own whole-block check is for `get`.
   */
  getRange(id: string, offset: number, length: number): Promise<Buffer | undefined>;
  delete(id: string): Promise<boolean>;
  has(id: string): boolean;
  ids(): Iterable<string>;
  stats(): StoreStats;
  close(): Promise<void>;
}

export interface StoreStats {
  /** Bytes of blocks this store may hold in all, counting those it holds. */
  capacity: number;
  /** Bytes its blocks take. */
  used: number;
  blockCount: number;
  /**
   * The file system the blocks are on (host and device), and its free bytes: stores that share
   * one each see all of its free space, and the master counts it once (see nodes.ts).
   */
  volume?: string;
  volumeFree?: number;
}

export const BLOCK_ID_RE = /^[0-9a-f]{32}$/;
