// A byte-bounded LRU of decrypted blocks (and of reads in flight, so two readers of one
// block fetch it once). Block ids are immutable, so entries never go stale.
export class BlockCache {
  private readonly entries = new Map<string, Promise<Buffer>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(id: string): Promise<Buffer> | undefined {
    const p = this.entries.get(id);
    if (p) {
      // re-insert: Map order is the LRU order
      this.entries.delete(id);
      this.entries.set(id, p);
    }
    return p;
  }

  /** Caches a fetch; a failed one is forgotten so the next read tries again. */
  fetch(id: string, load: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.get(id);
    if (hit) return hit;
    const p = load().then(
      (buf) => {
        if (this.entries.get(id) === p) this.account(id, buf.length);
        return buf;
      },
      (err: unknown) => {
        if (this.entries.get(id) === p) this.entries.delete(id);
        throw err;
      },
    );
    this.entries.set(id, p);
    return p;
  }

  put(id: string, data: Buffer): void {
    this.remove(id);
    this.entries.set(id, Promise.resolve(data));
    this.account(id, data.length);
  }

  remove(id: string): void {
    if (!this.entries.delete(id)) return;
    this.bytes -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
  }

  private account(id: string, n: number): void {
    this.sizes.set(id, n);
    this.bytes += n;
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      if (key === id) continue;
      if (!this.sizes.has(key)) continue; // still loading
      this.remove(key);
    }
  }
}
