// Space as the cluster reports it: nodes whose data dirs share one file system each see all
// of its free space, and the cluster counts it once (status and statfs, i.e. `df` on a mount);
// nodes on disks of their own add up.
import path from 'node:path';
import t from 'tap';
import { DiskBlockStore } from '../../src/storage/disk-store.js';
import { localCluster } from '../helpers/cluster.js';
import { smallDisk, tmpfsUnavailable } from '../helpers/tmpfs.js';

const MiB = 1024 * 1024;

t.test('three nodes on one disk: its space is counted once', { skip: tmpfsUnavailable() }, async (t) => {
  const disk = smallDisk(t, 32);
  const cl = await localCluster(t, { nodes: 3, store: (i) => DiskBlockStore.open(path.join(disk, `node-${i}`)) });
  const s = await cl.admin.status();
  for (const n of s.nodes) t.ok(n.capacity <= 32 * MiB && n.capacity > 30 * MiB, `node ${n.id} may take the whole disk: ${n.capacity}`);
  t.equal(new Set(s.nodes.map((n) => n.volume)).size, 1, 'all three name the same volume');
  t.ok(s.space!.capacity <= 32 * MiB, `the cluster's capacity is the disk's, not three times it: ${s.space!.capacity}`);
  t.ok(s.space!.free > 30 * MiB);
  const fsStat = await cl.admin.statfs();
  t.equal(fsStat.capacity, s.space!.capacity, 'statfs (df on a mount) says the same');
  t.equal(fsStat.free, s.space!.free);
});

t.test('nodes on disks of their own add up', { skip: tmpfsUnavailable() }, async (t) => {
  const disks = [smallDisk(t, 8), smallDisk(t, 8)];
  const cl = await localCluster(t, { nodes: 2, store: (i) => DiskBlockStore.open(disks[i]) });
  const s = await cl.admin.status();
  t.equal(new Set(s.nodes.map((n) => n.volume)).size, 2);
  t.ok(s.space!.capacity > 15 * MiB && s.space!.capacity <= 16 * MiB, `two 8 MiB disks: ${s.space!.capacity}`);
});
