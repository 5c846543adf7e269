// Where a storage node keeps its blocks. Blocks are immutable and opaque (ciphertext):
// a store only puts, gets and deletes whole blocks by id.
export interface BlockStore {
  put(id: string, data: Buffer): Promise<void>;
  /** The block, or undefined when this store does not hold it. */
  get(id: string): Promise<Buffer | undefined>;
  delete(id: string): Promise<boolean>;
  has(id: string): boolean;
  ids(): Iterable<string>;
  stats(): { capacity: number; used: number; blockCount: number };
  close(): Promise<void>;
}

export const BLOCK_ID_RE = /^[0-9a-f]{32}$/;
