// Background verification of the blocks a node holds, as MooseFS's chunk tests and Ceph's
// deep scrub: reading a block checks it (a disk store's CRC), so a copy that rotted on a
// disk nobody reads is found, dropped and reported, and the master makes a good copy while
// the other replicas are still intact. Reads are paced to a byte rate so that clients are
// not starved; each pass walks the blocks held when it began.
import { DEFAULTS } from '../defaults.js';
import type { Logger } from '../log.js';
import { toDfsError } from '../rpc/errors.js';
import type { BlockStore } from './block-store.js';

export interface ScrubberOptions {
  /** Bytes read per second, on average. */
  bytesPerSecond: number;
  /** Wait this long before the first block: a node that just started is busy catching up. */
  startDelayMs: number;
  /** A block that failed its check (the store has already dropped it); reported and logged there. */
  onCorrupt: (id: string) => void;
  logger: Logger;
}

/** How long to look again when there is nothing to check. */
const IDLE_MS = 10_000;

export class Scrubber {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private pass: string[] = [];
  /** Blocks checked, and found bad, since start. */
  checked = 0;
  corrupt = 0;

  constructor(
    private readonly store: BlockStore,
    private readonly o: ScrubberOptions,
  ) {}

  start(): void {
    this.schedule(this.o.startDelayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.step(), ms);
    this.timer.unref();
  }

  /** Checks one block, then waits as long as reading it should take at the set rate. */
  private async step(): Promise<void> {
    if (this.pass.length === 0) this.pass = [...this.store.ids()];
    const id = this.pass.pop();
    if (id === undefined) return this.schedule(IDLE_MS);
    let bytes: number;
    try {
      bytes = (await this.store.get(id))?.length ?? 0; // gone since the pass began: skipped
      this.checked++;
    } catch (err) {
      bytes = DEFAULTS.blockSize; // read, or tried: pace it as a whole block
      const e = toDfsError(err);
      if (e.code === 'EIO' && !this.store.has(id)) {
        this.checked++;
        this.corrupt++;
        this.o.onCorrupt(id);
      } else {
        this.o.logger.warn({ block: id, err: e.message }, 'scrub: cannot read block');
      }
    }
    this.schedule(Math.ceil((bytes / this.o.bytesPerSecond) * 1000));
  }
}
