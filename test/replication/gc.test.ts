// Garbage collection: deleting files deletes their blocks from the nodes' disks, and a
// block that was uploaded but never committed is deleted once its allocation expires —
// but not while a commit could still come.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { Master } from '../../src/master/master.js';
import { DiskBlockStore } from '../../src/storage/disk-store.js';
import { StorageNode } from '../../src/storage/storage-node.js';
import { ADMIN_PASSWORD, tempDir } from '../helpers/cluster.js';
import { blocksOnDisk, eventually, splitCluster } from '../helpers/split-cluster.js';

async function inBatches<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

t.test("delete 1,000 files and purge them from the trash: their blocks disappear from the nodes' disks", async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2 });
  const c = await cl.client();
  await c.mkdir('/many', 0o755);
  const names = Array.from({ length: 1000 }, (_, i) => `/many/f${i}`);
  await inBatches(names, 16, async (p) => {
    const h = await c.create(p, 0o644);
    await h.write(0, randomBytes(1500));
    await h.close();
  });
  const onDisk = (): number => cl.nodeDirs.reduce((n, d) => n + blocksOnDisk(d).size, 0);
  t.equal(onDisk(), 2000, 'two copies of 1,000 one-block files');
  await inBatches(names, 16, (p) => c.unlink(p));
  t.equal(onDisk(), 2000, 'in the trash they keep their blocks');
  t.equal(await c.trashPurge('all'), 1000, 'purged');
  await eventually('every block file deleted', () => (onDisk() === 0 ? true : undefined), 60_000);
  t.pass('no block file is left on any node');
  t.equal((await c.status()).garbage, 0, 'and the master has no garbage left to send');
});

t.test('an uploaded block never committed is deleted after its allocation expires, not before', async (t) => {
  const dir = tempDir(t);
  const master = new Master({
    host: '127.0.0.1',
    port: 0,
    dataDir: path.join(dir, 'master'),
    adminPassword: ADMIN_PASSWORD,
    heartbeatMs: 100,
    allocationTtlMs: 3000,
    replicas: 1,
  });
  const { url } = await master.start();
  t.teardown(() => master.stop());
  const store = DiskBlockStore.open(path.join(dir, 'node'));
  const node = new StorageNode({ masterUrl: url, host: '127.0.0.1', port: 0, store, nodeId: store.nodeId, joinSecret: master.joinSecret, heartbeatMs: 100 });
  await node.start();
  t.teardown(() => node.stop());
  const c = new DfsClient(url);
  t.teardown(() => c.close());
  await c.login('admin', ADMIN_PASSWORD);
  // what a writer does before it commits: open, allocate, then put the (sealed) block
  const opened = (await c.callRaw('fs.create', { path: '/writing', mode: 0o644 })).meta as { attr: { ino: number }; ticket: string };
  const ino = opened.attr.ino;
  const ticket = opened.ticket;
  const [a] = (await c.callRaw('fs.allocate', { ino, ticket, count: 1 })).meta.blocks as { id: string; cap: string; nodes: { id: string; url: string }[] }[];
  const put = await c.io.put(a.id, a.cap, a.nodes, randomBytes(1000));
  t.same(put.ok, [store.nodeId]);
  t.ok(store.has(a.id));
  // a reconciliation while the allocation lives must leave the block alone
  await master.maintenance.replication.reconcile(store.nodeId);
  t.ok(store.has(a.id), 'kept while a commit could still come');
  await eventually("the expired allocation's block to be deleted", () => (store.has(a.id) ? undefined : true), 20_000);
  t.pass('deleted after expiry');
  await t.rejects(
    c.call('fs.commit', { ino, ticket, size: 1000, blocks: [{ index: 0, id: a.id, size: 1000, nodes: [store.nodeId] }] }),
    { code: 'EINVAL' },
    'and a late commit is refused rather than pointing at a deleted block',
  );
});
