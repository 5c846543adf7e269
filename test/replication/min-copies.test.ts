// How many copies a write needs, and what a full cluster answers. With nodes down a write
// succeeds once the cluster's minimum of copies is stored (default 1, `--min-replicas`):
// between that and the file's factor it succeeds and the block shows as under-replicated at
// once; with fewer it fails (EIO). A node that is up but full is no reason for fewer copies:
// a cluster out of room says ENOSPC, never EIO, whether the master sees the nodes full and
// refuses, or the nodes turn the block away themselves.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DiskBlockStore } from '../../src/storage/disk-store.js';
import { localCluster, type LocalCluster } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';
import { smallDisk, tmpfsUnavailable } from '../helpers/tmpfs.js';
import { eventually } from '../helpers/split-cluster.js';

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

async function write(cl: LocalCluster, name: string, bytes: number): Promise<void> {
  const h = await cl.admin.create(name, 0o644);
  try {
    await h.write(0, randomBytes(bytes));
  } finally {
    await h.close();
  }
}

/** Three nodes, two copies, two of the nodes stopped and seen dead by the master. */
async function oneNodeUp(t: Test, minReplicas?: number): Promise<LocalCluster> {
  const cl = await localCluster(t, { nodes: 3, replicas: 2, heartbeatMs: 100, master: { minReplicas, deadAfterMs: 600 } });
  await cl.nodes[1].stop();
  await cl.nodes[2].stop();
  await eventually('the master to see one node', async () => ((await cl.admin.status()).nodes.filter((n) => n.alive).length === 1 ? true : undefined));
  return cl;
}

t.test('nodes down: the write lands with the copies it can get, and status says under-replicated at once', async (t) => {
  const cl = await oneNodeUp(t);
  await write(cl, '/one-copy', 9 * MiB);
  const s = await cl.admin.status();
  t.equal(s.minReplicas, 1);
  t.equal(s.underReplicated, 3, 'its three blocks count under-replicated with no wait');
});

t.test('nodes down and a minimum of 2: the same write fails with EIO', async (t) => {
  const cl = await oneNodeUp(t, 2);
  const e = await refusal(write(cl, '/two-copies', 9 * MiB));
  t.equal(e.code, 'EIO', `the writer is told: ${e.message}`);
  t.equal((await cl.admin.status()).minReplicas, 2);
});

t.test('nodes up but full are no reason for fewer copies: ENOSPC', { skip }, async (t) => {
  const disks = [smallDisk(t, 64), smallDisk(t, 4), smallDisk(t, 4)];
  const cl = await localCluster(t, { nodes: 3, replicas: 2, store: (i) => fullIf(i > 0, disks[i]) });
  const e = await refusal(write(cl, '/f', 5 * MiB));
  t.equal(e.code, 'ENOSPC', `one node with room is not room for two copies: ${e.message}`);
  t.equal((await cl.admin.status()).underReplicated, 0, 'and no block was left with one copy');
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
    nodes: 2,
    replicas: 2,
    heartbeatMs: 600_000,
    master: { deadAfterMs: 1_200_000 },
    store: (i) => DiskBlockStore.open(path.join(disks[i], 'blocks')),
  });
  disks.forEach(fill);
  const e = await refusal(write(cl, '/f', 5 * MiB));
  t.equal(e.code, 'ENOSPC', `not EIO: ${e.message}`);
  for (const d of disks) t.same(fs.readdirSync(path.join(d, 'blocks', 'tmp')), [], 'no partial block left on a node');
});

t.test('a block turned away by one node leaves no copy behind on the other', { skip }, async (t) => {
  const disks = [smallDisk(t, 16), smallDisk(t, 16)];
  // the nodes' heartbeats too rare for the master to learn that disk 1 filled; its own maintenance quick
  const cl = await localCluster(t, {
    nodes: 2,
    replicas: 2,
    heartbeatMs: 600_000,
    master: { heartbeatMs: 100, deadAfterMs: 1_200_000 },
    store: (i) => DiskBlockStore.open(path.join(disks[i], 'blocks')),
  });
  fill(disks[1]);
  const e = await refusal(write(cl, '/f', 1 * MiB));
  t.equal(e.code, 'ENOSPC', e.message);
  await eventually('the one copy that landed to be deleted', () => (cl.stores[0].stats().blockCount === 0 ? true : undefined), 10_000);
  t.pass('the room it took is free again');
});
