// How many copies a write needs, and what a full cluster answers. A write succeeds once the
// cluster's minimum of copies is stored (default 1, `--min-replicas`); between that and the
// file's factor it succeeds and the block shows as under-replicated at once. With fewer the
// write fails, and a cluster out of room says ENOSPC, never EIO: whether the master sees the
// nodes full and refuses, or the nodes turn the block away themselves.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DiskBlockStore } from '../../src/storage/disk-store.js';
import { localCluster, type LocalCluster } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';
import { smallDisk, tmpfsUnavailable } from '../helpers/tmpfs.js';

const MiB = 1024 * 1024;
const skip = tmpfsUnavailable();

/** Takes every free byte of a file system. */
function fill(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(MiB);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/** A store on `disk`, which is then filled (when `full`) before the node registers. */
function fullIf(full: boolean, disk: string): DiskBlockStore {
  const store = DiskBlockStore.open(path.join(disk, 'blocks'));
  if (full) fill(disk);
  return store;
}

/** Three nodes with two copies: node 0 on a roomy disk, nodes 1 and 2 on disks full before they start. */
async function oneRoomyNode(t: Test, minReplicas?: number): Promise<LocalCluster> {
  const disks = [smallDisk(t, 64), smallDisk(t, 4), smallDisk(t, 4)];
  return localCluster(t, { nodes: 3, replicas: 2, master: { minReplicas }, store: (i) => fullIf(i > 0, disks[i]) });
}

async function write(cl: LocalCluster, name: string, bytes: number): Promise<void> {
  const h = await cl.admin.create(name, 0o644);
  try {
    await h.write(0, randomBytes(bytes));
  } finally {
    await h.close();
  }
}

t.test('the minimum is 1: one node with room takes the write, and status says under-replicated at once', { skip }, async (t) => {
  const cl = await oneRoomyNode(t);
  await write(cl, '/one-copy', 9 * MiB);
  const s = await cl.admin.status();
  t.equal(s.minReplicas, 1);
  t.equal(s.underReplicated, 3, 'its three blocks count under-replicated with no wait');
});

t.test('the minimum is 2: the same write fails with ENOSPC', { skip }, async (t) => {
  const cl = await oneRoomyNode(t, 2);
  const e = await refusal(write(cl, '/two-copies', 9 * MiB));
  t.equal(e.code, 'ENOSPC', `the writer is told there is no room: ${e.message}`);
  t.equal((await cl.admin.status()).minReplicas, 2);
});

t.test('a full cluster is ENOSPC when the master sees it full', { skip }, async (t) => {
  const disks = [smallDisk(t, 4), smallDisk(t, 4)];
  const cl = await localCluster(t, { nodes: 2, replicas: 2, store: (i) => fullIf(true, disks[i]) });
  t.equal((await refusal(write(cl, '/f', 5 * MiB))).code, 'ENOSPC');
});

t.test('a full cluster is ENOSPC when the nodes turn the block away themselves', { skip }, async (t) => {
  const disks = [smallDisk(t, 16), smallDisk(t, 16)];
  // heartbeats too rare for the master to learn the disks filled: it still offers both nodes
  const cl = await localCluster(t, {
    nodes: 2, replicas: 2, heartbeatMs: 600_000, master: { deadAfterMs: 1_200_000 },
    store: (i) => DiskBlockStore.open(path.join(disks[i], 'blocks')),
  });
  disks.forEach(fill);
  const e = await refusal(write(cl, '/f', 5 * MiB));
  t.equal(e.code, 'ENOSPC', `not EIO: ${e.message}`);
  for (const d of disks) t.same(fs.readdirSync(path.join(d, 'blocks', 'tmp')), [], 'no partial block left on a node');
});
