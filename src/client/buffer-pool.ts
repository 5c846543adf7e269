// Reuse of block-sized buffers. A fresh multi-MiB Buffer is page-faulted in by the kernel on
// first touch, which costs more than encrypting it; recycling a few keeps the hot path in
// memory that is already mapped. A buffer goes back only when nothing else can see it.
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `size` bytes with undefined contents. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  give(buf: Buffer): void {
    if (buf.length === this.size && this.free.length < this.keep) this.free.push(buf);
  }
}
