// Blocks in RAM: fast, and gone with the process.
import os from 'node:os';
import type { BlockStore, StoreStats } from './block-store.js';

export class MemoryBlockStore implements BlockStore {
  private readonly blocks = new Map<string, Buffer>();
  private used = 0;

  constructor(private readonly capacity = Math.floor(os.totalmem() / 2)) {}

  async put(id: string, data: Buffer): Promise<void> {
    const old = this.blocks.get(id);
    if (old) this.used -= old.length;
    // A large block is kept as given, without a copy: it is a view of a message buffer
    // nothing else keeps. A small one is copied so it does not pin a whole socket chunk.
    const own = data.length >= data.buffer.byteLength / 2 ? data : Buffer.from(data);
    this.blocks.set(id, own);
    this.used += own.length;
  }

  async get(id: string): Promise<Buffer | undefined> {
    return this.blocks.get(id);
  }

  async getRange(id: string, offset: number, length: number): Promise<Buffer | undefined> {
    return this.blocks.get(id)?.subarray(offset, offset + length);
  }

  async delete(id: string): Promise<boolean> {
    const old = this.blocks.get(id);
    if (!old) return false;
    this.used -= old.length;
    this.blocks.delete(id);
    return true;
  }

  has(id: string): boolean {
    return this.blocks.has(id);
  }

  ids(): Iterable<string> {
    return this.blocks.keys();
  }

  stats(): StoreStats {
    return { capacity: this.capacity, used: this.used, blockCount: this.blocks.size };
  }

  async close(): Promise<void> {}
}
