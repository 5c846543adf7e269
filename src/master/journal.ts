// The master's journal: every mutation batch is appended as one frame to the current
// segment file and fsync'd before the mutation is acknowledged. Concurrent appends share a
// write and an fsync (group commit): while one write is on the disk the next batch gathers.
// A snapshot starts a new segment (`rotate`), so start-up replays only the segments after it.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { fsyncDir } from '../fsutil/atomic-file.js';
import { DfsError } from '../rpc/errors.js';
import type { MutationLog } from './records.js';
import type { MutationRecord } from './records.js';
import { encodeRecordFrame, encodeHeader, FormatError, HEADER_BYTES, JOURNAL_FORMAT, scanFrames } from './record-file.js';

const SEGMENT_RE = /^journal-(\d{10})\.log$/;

export function segmentFile(dir: string, seq: number): string {
  return path.join(dir, `journal-${String(seq).padStart(10, '0')}.log`);
}

/** Segment numbers present in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

export interface ReplayResult {
  /** The segment new records go to, and its good length (0: it must be created). */
  seq: number;
  size: number;
  records: number;
  bytes: number;
}

/**
 * Applies every batch in segments `fromSeq` onwards, in order. A torn frame at the end of
 * the last segment is a crash's leftover: it is cut off (the file truncated to the last good
 * frame). Damage anywhere else is not something a crash does, and start-up stops.
 * With `until`, only segments before it are read, and they must be whole (they were closed
 * by a rotation): nothing is truncated.
 */
export function replaySegments(dir: string, fromSeq: number, apply: (record: MutationRecord) => void, say: (line: string) => void = () => undefined, until?: number): ReplayResult {
  const segs = listSegments(dir).filter((s) => s >= fromSeq && (until === undefined || s < until));
  let records = 0;
  let bytes = 0;
  if (segs.length === 0) return { seq: fromSeq, size: 0, records, bytes };
  if (segs[0] !== fromSeq) {
    throw new FormatError(segmentFile(dir, fromSeq), `missing: the journal goes on at segment ${segs[0]}`);
  }
  let size = 0;
  for (let i = 0; i < segs.length; i++) {
    const file = segmentFile(dir, segs[i]);
    if (i > 0 && segs[i] !== segs[i - 1] + 1) throw new FormatError(file, `segment ${segs[i - 1] + 1} is missing before it`);
    const last = i === segs.length - 1;
    const scan = scanFrames(file, JOURNAL_FORMAT, (value) => {
      if (!Array.isArray(value)) throw new FormatError(file, 'a journal frame is not a list of records');
      for (const r of value as MutationRecord[]) apply(r);
      records += value.length;
    });
    bytes += scan.goodEnd;
    if (scan.goodEnd < scan.size || scan.headerTorn) {
      const dropped = scan.size - scan.goodEnd;
      if (!last) throw new FormatError(file, `damaged at byte ${scan.goodEnd} of ${scan.size}, and later segments follow`);
      if (until !== undefined) throw new FormatError(file, `damaged at byte ${scan.goodEnd} of ${scan.size}, in a closed segment`);
      // one crash tears at most the write in progress: a batch, or one large frame
      if (dropped > DEFAULTS.maxFrameBytes + DEFAULTS.journalBatchBytes) {
        throw new FormatError(file, `damaged at byte ${scan.goodEnd}; ${dropped} bytes follow, more than one write could leave`);
      }
      if (dropped > 0) say(`journal: dropped ${dropped} bytes of an unfinished write at the end of ${path.basename(file)}`);
      truncateSegment(file, scan.goodEnd);
    }
    size = Math.max(scan.goodEnd, HEADER_BYTES);
  }
  return { seq: segs[segs.length - 1], size, records, bytes };
}

/** Cuts a segment back to `goodEnd` bytes; a segment without a whole header gets a fresh one. */
function truncateSegment(file: string, goodEnd: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    if (goodEnd < HEADER_BYTES) {
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, encodeHeader(JOURNAL_FORMAT), 0, HEADER_BYTES, 0);
    } else fs.ftruncateSync(fd, goodEnd);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

type Entry =
  | { kind: 'data'; frame: Buffer; records: number; resolve: () => void; reject: (e: Error) => void }
  | { kind: 'rotate'; seq: number; resolve: () => void; reject: (e: Error) => void };

export interface JournalHooks {
  /** Told once when the journal stops taking changes. */
  onFailure?: (err: DfsError) => void;
  /** Told the duration of every write+fsync, in seconds. */
  onWrite?: (seconds: number) => void;
}

export interface JournalStats {
  /** Records and bytes appended since the journal was opened. */
  records: number;
  bytes: number;
  /** Disk writes (each followed by one fsync): fewer than appends when commits group. */
  writes: number;
}

export class Journal implements MutationLog {
  private readonly queue: Entry[] = [];
  private draining?: Promise<void>;
  private failure?: DfsError;
  private closed = false;
  /** Rotations queued but not yet done: each takes the next segment number. */
  private pendingRotations = 0;
  readonly stats: JournalStats = { records: 0, bytes: 0, writes: 0 };

  private constructor(
    readonly dir: string,
    private seq: number,
    private fh: FileHandle,
    private size: number,
    private readonly hooks: JournalHooks,
  ) {}

  /** Opens segment `seq` for appending at `size` (as replay left it), creating it when size is 0. */
  static async open(dir: string, seq: number, size: number, hooks: JournalHooks = {}): Promise<Journal> {
    if (size === 0) {
      const fh = await createSegment(dir, seq);
      return new Journal(dir, seq, fh, HEADER_BYTES, hooks);
    }
    const fh = await fs.promises.open(segmentFile(dir, seq), 'r+');
    return new Journal(dir, seq, fh, size, hooks);
  }

  get segment(): number {
    return this.seq;
  }

  /** Resolves once the records are on disk. All records of one call land together or not at all. */
  append(records: MutationRecord[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new DfsError('EROFS', 'the master is shutting down'));
    if (records.length === 0) return Promise.resolve();
    const frame = encodeRecordFrame(records);
    if (frame.length > DEFAULTS.maxFrameBytes) {
      return Promise.reject(new DfsError('EFBIG', `one change of ${frame.length} bytes is more than the journal takes`));
    }
    this.stats.records += records.length;
    this.stats.bytes += frame.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'data', frame, records: records.length, resolve, reject });
      this.kick();
    });
  }

  /**
   * Ends the current segment after everything appended so far; later appends go to the
   * next one. Returns the new segment's number at once (for a snapshot taken now, which
   * covers exactly the records before it) and a promise that the switch is durable.
   */
  rotate(): { seq: number; done: Promise<void> } {
    const seq = this.nextSeq();
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'rotate', seq, resolve, reject });
      this.kick();
    });
    return { seq, done };
  }

  private nextSeq(): number {
    this.pendingRotations++;
    return this.seq + this.pendingRotations;
  }

  /** Resolves when everything appended so far is on disk (or has failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.fh.close().catch(() => undefined);
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.failure) {
      const head = this.queue[0];
      if (head.kind === 'rotate') {
        this.queue.shift();
        try {
          await this.fh.close();
          this.fh = await createSegment(this.dir, head.seq);
          this.seq = head.seq;
          this.pendingRotations--;
          this.size = HEADER_BYTES;
          head.resolve();
        } catch (err) {
          this.fail(err, [head]);
        }
        continue;
      }
      const batch: Extract<Entry, { kind: 'data' }>[] = [];
      let bytes = 0;
      while (this.queue.length) {
        const e = this.queue[0];
        if (e.kind !== 'data' || (batch.length > 0 && bytes + e.frame.length > DEFAULTS.journalBatchBytes)) break;
        this.queue.shift();
        batch.push(e);
        bytes += e.frame.length;
      }
      try {
        const t0 = performance.now();
        const data =
          batch.length === 1
            ? batch[0].frame
            : Buffer.concat(
                batch.map((e) => e.frame),
                bytes,
              );
        let off = 0;
        while (off < data.length) {
          const { bytesWritten } = await this.fh.write(data, off, data.length - off, this.size + off);
          off += bytesWritten;
        }
        await this.fh.datasync();
        this.size += data.length;
        this.stats.writes++;
        this.hooks.onWrite?.((performance.now() - t0) / 1000);
        for (const e of batch) e.resolve();
      } catch (err) {
        this.fail(err, batch);
      }
    }
  }

  /**
   * A write that did not reach the disk leaves memory ahead of the journal; acknowledging
   * anything after it could make later records depend on lost ones. So the journal stops
   * taking changes until the master is restarted (and replays what did reach the disk).
   */
  private fail(err: unknown, batch: Entry[]): void {
    this.failure = new DfsError('EIO', `the master's journal failed (${(err as Error).message}); it takes no changes until restarted`);
    for (const e of [...batch, ...this.queue.splice(0)]) e.reject(this.failure);
    this.hooks.onFailure?.(this.failure);
  }
}

/** A new, empty segment: header written and fsync'd, and its directory entry fsync'd. */
async function createSegment(dir: string, seq: number): Promise<FileHandle> {
  const fh = await fs.promises.open(segmentFile(dir, seq), 'wx+');
  try {
    await fh.write(encodeHeader(JOURNAL_FORMAT), 0, HEADER_BYTES, 0);
    await fh.sync();
    await fsyncDir(dir);
    return fh;
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}
