// The master's metadata on disk: the newest snapshot plus the journal segments after it.
// Start-up loads the snapshot and replays the segments; a checkpoint rotates the journal,
// snapshots the state as of the rotation and then deletes what that made redundant.
//
//   <data-dir>/snapshot-0000000007.dfs   state before segment 7
//   <data-dir>/journal-0000000007.log    records since, appended and fsync'd
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { writeFileAtomic } from '../fsutil/atomic-file.js';
import type { DfsError } from '../rpc/errors.js';
import { Journal, listSegments, replaySegments, segmentFile } from './journal.js';
import type { MutationLog } from './records.js';
import type { MutationRecord } from './records.js';
import { FormatError } from './record-file.js';
import { checkpointInWorker } from './checkpoint-worker.js';
import { listSnapshots, loadSnapshotAt, snapshotFile, writeSnapshot } from './snapshot.js';

export { snapshotFile };
import type { MasterState } from './state.js';

/** Whether `dir` holds a master's metadata already (a snapshot or journal). */
export function hasMetadata(dir: string): boolean {
  try {
    return listSnapshots(dir).length > 0 || listSegments(dir).length > 0;
  } catch {
    return false;
  }
}

export interface LoadReport {
  /** The snapshot loaded, if any. */
  snapshot?: string;
  snapshotMs: number;
  /** Journal records replayed after it. */
  replayed: number;
  replayMs: number;
}

export interface MetadataStoreOptions {
  say?: (line: string) => void;
  /** Told once when the journal can take no more changes. */
  onFailure?: (err: DfsError) => void;
  /** Told the duration of every journal write+fsync. */
  onWrite?: (seconds: number) => void;
  snapshotEveryRecords?: number;
  snapshotEveryBytes?: number;
}

export class MetadataStore implements MutationLog {
  /** Journal stats as of the last snapshot (negative: records replayed at start-up count too). */
  private base: { records: number; bytes: number };
  private checkpointing?: Promise<void>;
  private readonly say: (line: string) => void;

  private constructor(
    readonly dir: string,
    private readonly state: MasterState,
    readonly journal: Journal,
    replayed: { records: number; bytes: number },
    private readonly options: MetadataStoreOptions,
  ) {
    this.base = { records: -replayed.records, bytes: -replayed.bytes };
    this.say = options.say ?? (() => undefined);
  }

  /** Loads `dir` into the empty `state` and opens the journal for appending. */
  static async open(dir: string, state: MasterState, options: MetadataStoreOptions = {}): Promise<{ store: MetadataStore; report: LoadReport }> {
    const say = options.say ?? (() => undefined);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(dir)) if (name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });

    const report: LoadReport = { snapshotMs: 0, replayed: 0, replayMs: 0 };
    const snaps = listSnapshots(dir);
    let from = 1;
    let t0 = performance.now();
    if (snaps.length) {
      const seq = snaps[snaps.length - 1];
      loadSnapshotAt(dir, seq, state);
      from = seq;
      report.snapshot = snapshotFile(dir, seq);
      report.snapshotMs = performance.now() - t0;
    } else {
      const segs = listSegments(dir);
      if (segs.length && segs[0] !== 1) {
        throw new FormatError(segmentFile(dir, segs[0]), 'the journal starts here but no snapshot covers the segments before it');
      }
    }
    t0 = performance.now();
    const replay = replaySegments(dir, from, (r) => state.apply(r), say);
    report.replayed = replay.records;
    report.replayMs = performance.now() - t0;

    // leftovers of a checkpoint that crashed between writing its snapshot and pruning
    for (const s of listSnapshots(dir)) if (s < from) fs.rmSync(snapshotFile(dir, s), { force: true });
    for (const s of listSegments(dir)) if (s < from) fs.rmSync(segmentFile(dir, s), { force: true });

    const journal = await Journal.open(dir, replay.seq, replay.size, options);
    return { store: new MetadataStore(dir, state, journal, replay, options), report };
  }

  append(records: MutationRecord[]): Promise<void> {
    return this.journal.append(records);
  }

  /** Records in the journal that the newest snapshot does not cover. */
  get sinceSnapshot(): { records: number; bytes: number } {
    return { records: this.journal.stats.records - this.base.records, bytes: this.journal.stats.bytes - this.base.bytes };
  }

  needsCheckpoint(): boolean {
    if (this.checkpointing) return false; // one at a time; the count restarts when it ends
    const s = this.sinceSnapshot;
    return s.records >= (this.options.snapshotEveryRecords ?? DEFAULTS.snapshotEveryRecords) || s.bytes >= (this.options.snapshotEveryBytes ?? DEFAULTS.snapshotEveryBytes);
  }

  /**
   * Snapshots the state and starts a new journal segment; one at a time. By default a worker
   * thread builds the snapshot from the journal, so the master keeps serving (at the price of
   * a second copy of the state while it runs); `inProcess` writes the live state instead,
   * holding up the event loop for the time it takes (right for a shutdown).
   */
  checkpoint(opts: { inProcess?: boolean } = {}): Promise<void> {
    this.checkpointing ??= this.runCheckpoint(opts.inProcess ?? false).finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
  }

  private async runCheckpoint(inProcess: boolean): Promise<void> {
    const t0 = performance.now();
    // The rotation and the snapshot's view are taken in one tick: no mutation falls between.
    const { seq, done } = this.journal.rotate();
    done.catch(() => undefined); // awaited below; a failure is also the journal's own
    const base = { records: this.journal.stats.records, bytes: this.journal.stats.bytes };
    let inodes: number;
    let bytes: number;
    if (inProcess) ({ inodes, bytes } = await this.writeLiveSnapshot(seq, done));
    else {
      // the worker replays the segments before `seq`: they must be whole on disk first
      await done;
      try {
        ({ inodes, bytes } = await checkpointInWorker(this.dir, seq));
      } catch (err) {
        // Out of memory for a second copy, a damaged closed segment...: left alone, every tick
        // would rotate again and start another worker, and the journal would never be pruned.
        // The live state is the authority: snapshot it at a fresh rotation.
        this.say(`checkpoint worker failed (${(err as Error).message}); snapshotting the live state instead`);
        return this.runCheckpoint(true);
      }
    }
    this.base = base;
    for (const s of listSnapshots(this.dir)) if (s < seq) fs.rmSync(snapshotFile(this.dir, s), { force: true });
    for (const s of listSegments(this.dir)) if (s < seq) fs.rmSync(segmentFile(this.dir, s), { force: true });
    const how = inProcess ? 'in process' : 'in a worker';
    this.say(`snapshot ${path.basename(snapshotFile(this.dir, seq))}: ${inodes} inodes, ${bytes} bytes, ${Math.round(performance.now() - t0)} ms ${how}`);
  }

  private async writeLiveSnapshot(seq: number, rotated: Promise<void>): Promise<{ inodes: number; bytes: number }> {
    const final = snapshotFile(this.dir, seq);
    // written at once from the live state; the fsync, in the page cache's time, does not hold
    // up the event loop. The snapshot may name a segment only once that segment exists.
    await writeFileAtomic(final, (fh) => writeSnapshot(this.state, fh.fd, seq), { beforeRename: () => rotated });
    return { inodes: this.state.ns.inodes.size, bytes: fs.statSync(final).size };
  }

  /** Waits for a running checkpoint and every append, then closes the journal. */
  async close(): Promise<void> {
    await this.checkpointing?.catch(() => undefined);
    await this.journal.close();
  }
}
