// Copies a reader finds bad (they pass the node's checksum but fail the client's GCM check)
// are kept until enough good copies are whole, never used to make new ones, and a block
// whose every copy is bad is shown as lost by `status` and `fsck`: never healthy, and none
// of its copies deleted (they may be the client's mistake, or all there is).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import type { MemoryBlockStore } from '../../src/storage/memory-store.js';
import { localCluster, type LocalCluster } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';
import { eventually } from '../helpers/split-cluster.js';

const fast = { heartbeatMs: 100, replication: { graceMs: 0, scanMs: 200 } };

/** A one-block file; its block id and the node a reader tries first. */
async function writeOneBlock(cl: LocalCluster, name: string): Promise<{ id: string; first: string }> {
  const h = await cl.admin.create(name, 0o644);
  await h.write(0, randomBytes(200_000));
  await h.close();
  const blocks = (await cl.admin.callRaw('fs.open', { path: name, read: true })).meta.blocks as { id: string; nodes: { id: string }[] }[];
  return { id: blocks[0].id, first: blocks[0].nodes[0].id };
}

/** Flips a byte of the stored ciphertext in place: memory stores keep no checksum, so only GCM can tell. */
async function spoil(store: MemoryBlockStore, id: string): Promise<void> {
  const b = await store.get(id);
  b![100] ^= 0x01;
}

const holders = (cl: LocalCluster, id: string): number => cl.stores.filter((s) => s.has(id)).length;

/** Waits for `n` more replication scans to have run. */
async function scans(cl: LocalCluster, n: number): Promise<void> {
  await new Promise((r) => setTimeout(r, n * 250 + 500));
  await cl.admin.status();
}

t.test('every copy bad: the block is lost, status and fsck say so, and every copy is kept', async (t) => {
  const cl = await localCluster(t, { nodes: 3, replicas: 2, ...fast });
  const { id } = await writeOneBlock(cl, '/doomed');
  const bad = cl.stores.filter((s) => s.has(id)) as MemoryBlockStore[];
  t.equal(bad.length, 2);
  for (const s of bad) await spoil(s, id);
  const reader = await cl.client('admin', 'admin-test-password');
  const h = await reader.openFile('/doomed', { read: true, write: false });
  t.equal((await refusal(h.read(0, 1000))).code, 'EIO', 'the read fails');
  await h.close();

  const s = await eventually(
    'the block to count as lost',
    async () => {
      const st = await cl.admin.status();
      return st.lost === 1 ? st : undefined;
    },
    10_000,
  );
  t.equal(s.missing, 1, 'it counts as missing: no copy can be read');
  t.ok(s.corrupt! >= 1, 'and corrupt');
  await scans(cl, 4);
  t.equal(holders(cl, id), 2, 'repair neither dropped a copy nor copied a bad one to the third node');
  const again = await cl.admin.status();
  t.same([again.lost, again.missing], [1, 1], 'still lost after repair has had its turn');
  // fsck lists every node's blocks itself: asked again while a loaded machine lags behind
  const report = await eventually(
    'fsck to find the block lost',
    async () => {
      const r = (await cl.admin.callRaw('cluster.fsck', { path: '/' })).meta as { healthy: boolean; lost: number; damaged: { path: string; lost: number }[] };
      return r.lost === 1 ? r : undefined;
    },
    10_000,
  );
  t.equal(report.healthy, false, 'fsck does not call it healthy');
  t.equal(report.lost, 1);
  t.same(
    report.damaged.map((d) => [d.path, d.lost]),
    [['/doomed', 1]],
  );
});

t.test('one copy bad and nowhere to make a new one: the bad copy is kept, not dropped', async (t) => {
  const cl = await localCluster(t, { nodes: 2, replicas: 2, ...fast });
  const { id, first } = await writeOneBlock(cl, '/f');
  await spoil(cl.stores[cl.nodes.findIndex((n) => n.id === first)] as MemoryBlockStore, id);
  const reader = await cl.client('admin', 'admin-test-password');
  const h = await reader.openFile('/f', { read: true, write: false });
  t.equal((await h.read(0, 200_000)).length, 200_000, 'the read is served by the good copy');
  await h.close();
  await eventually('the bad copy to count', async () => ((await cl.admin.status()).corrupt === 1 ? true : undefined), 10_000);
  await scans(cl, 4);
  t.equal(holders(cl, id), 2, 'both copies are still held: the suspect one goes only once a good one replaces it');
  const s = await cl.admin.status();
  t.same([s.underReplicated, s.lost, s.missing], [1, 0, 0], 'one good copy of two: under-replicated');
});
