// Checkpoints off the main thread: a worker replays the newest snapshot and the journal
// segments before `seq` into a state of its own and writes snapshot-<seq> from it, so the
// master goes on serving while a large snapshot is written. (The price: a second copy of
// the state in memory while it runs. A replay also proves the journal replays.)
import fs from 'node:fs';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { writeFileAtomicSync } from '../fsutil/atomic-file.js';
import { replaySegments } from './journal.js';
import { listSnapshots, loadSnapshotAt, snapshotFile, writeSnapshot } from './snapshot.js';
import { MasterState } from './state.js';

interface CheckpointJob {
  kind: 'dfs-checkpoint';
  dir: string;
  seq: number;
}

type CheckpointReply = { ok: true; inodes: number; bytes: number } | { ok: false; message: string };

/** Writes snapshot-<seq> of `dir` from its files alone. Segments before `seq` must be closed. */
function buildCheckpoint(dir: string, seq: number): { inodes: number; bytes: number } {
  const state = new MasterState();
  const older = listSnapshots(dir).filter((s) => s < seq);
  let from = 1;
  if (older.length) {
    from = older[older.length - 1];
    loadSnapshotAt(dir, from, state); // checked as at start-up: a misnamed snapshot is not built on
  }
  replaySegments(dir, from, (r) => state.apply(r), undefined, seq);
  const final = snapshotFile(dir, seq);
  writeFileAtomicSync(final, (fd) => writeSnapshot(state, fd, seq));
  return { inodes: state.ns.inodes.size, bytes: fs.statSync(final).size };
}

/** Runs buildCheckpoint in a worker thread. */
export function checkpointInWorker(dir: string, seq: number): Promise<{ inodes: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const job: CheckpointJob = { kind: 'dfs-checkpoint', dir, seq };
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    let settled = false;
    w.once('message', (r: CheckpointReply) => {
      settled = true;
      if (r.ok) resolve({ inodes: r.inodes, bytes: r.bytes });
      else reject(new Error(r.message));
    });
    w.once('error', (err) => {
      settled = true;
      reject(err);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`the checkpoint worker exited with ${code}`));
    });
  });
}

const job = workerData as CheckpointJob | undefined;
if (parentPort && job?.kind === 'dfs-checkpoint') {
  let reply: CheckpointReply;
  try {
    reply = { ok: true, ...buildCheckpoint(job.dir, job.seq) };
  } catch (err) {
    reply = { ok: false, message: (err as Error).message };
  }
  parentPort.postMessage(reply);
}
