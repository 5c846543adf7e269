// The master lists a node's blocks in pages (block.list with a cursor): a node with more
// blocks than fit in one message is still reconciled and checked as a whole.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { localCluster } from '../helpers/cluster.js';

t.test('reconcile and fsck read a node block list page by page', async (t) => {
  // five ids a page, so 23 blocks take five pages
  const cluster = await localCluster(t, { nodes: 1, replicas: 1, blockListPage: 5 });
  const admin = cluster.admin;
  for (let i = 0; i < 23; i++) {
    const h = await admin.create(`/f${i}`, 0o644);
    await h.write(0, randomBytes(100));
    await h.close();
  }
  const store = cluster.stores[0];
  const held = [...store.ids()];
  t.equal(held.length, 23, 'one block a file');
  const orphan = randomBytes(16).toString('hex');
  await store.put(orphan, randomBytes(64)); // a block no file knows

  await cluster.master.maintenance.replication.reconcile(cluster.nodes[0].id);
  t.notOk(store.has(orphan), 'the orphan, on the last page, was found and deleted');
  t.ok(
    held.every((id) => store.has(id)),
    'every real block is kept',
  );

  const report = (await admin.callRaw('cluster.fsck', { path: '/' })).meta as { healthy: boolean; unverifiedNodes: string[]; damaged: unknown[] };
  t.same(report.unverifiedNodes, [], "fsck read the node's whole list");
  t.ok(report.healthy, 'and found every copy where the map says');
});
