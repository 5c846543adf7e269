// Taking a storage node out without losing a copy: drain it (its blocks are copied to the
// nodes that stay, new blocks go elsewhere), stop it, remove it; a removal that would
// forget the last copy of a block is refused unless forced.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { code, readAll, writeAll as write } from '../helpers/bytes.js';
import { localCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/split-cluster.js';

const fast = { heartbeatMs: 100, deadAfterMs: 1000, replication: { graceMs: 0, scanMs: 300 } };

t.test('drain a node, stop it, remove it: every file keeps its copies', async (t) => {
  const cl = await localCluster(t, { nodes: 3, replicas: 2, ...fast });
  const c = cl.admin;
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 12; i++) {
    const data = randomBytes(20_000 + i);
    files.set(`/f${i}`, data);
    await write(c, `/f${i}`, data);
  }
  const leaving = cl.nodes[0];
  const held = [...cl.stores[0].ids()].length;
  t.ok(held > 0, `the node to drain holds ${held} copies`);
  t.equal(await code(c.removeNode(leaving.id)), 'EBUSY', 'a node that is up cannot be removed');

  await c.drainNode(leaving.id);
  const drained = await eventually('drained', async () => ((await c.nodes()).find((n) => n.id === leaving.id)?.state === 'drained' ? true : undefined), 30_000);
  t.ok(drained, 'dfs node list says drained');
  for (const [p] of files) {
    const info = await c.info(p);
    const staying = info.blocks!.map((b) => b!.copies.filter((x) => x.node !== leaving.id).length);
    t.same(staying, [2], `${p}: two copies on the nodes that stay`);
  }
  await write(c, '/after', randomBytes(1000));
  t.notOk(
    (await c.info('/after')).blocks![0]!.copies.some((x) => x.node === leaving.id),
    'a new block avoids the draining node',
  );

  await leaving.stop();
  await eventually('the node counted dead', async () => ((await c.nodes()).find((n) => n.id === leaving.id)?.alive === false ? true : undefined));
  const r = await c.removeNode(leaving.id);
  t.equal(r.lost, 0, 'removed, losing nothing');
  t.equal(r.forgotten, held, 'its copies forgotten');
  t.notOk(
    (await c.nodes()).some((n) => n.id === leaving.id),
    'gone from the node list',
  );
  for (const [p, data] of files) t.same(await readAll(c, p), data, `${p} reads back`);
  const fsck = (await c.callRaw('cluster.fsck', { path: '/' })).meta as { healthy: boolean };
  t.ok(fsck.healthy, 'fsck: healthy');
});

t.test('a removal that would forget the only copy of a block is refused unless forced; undrain', async (t) => {
  const cl = await localCluster(t, { nodes: 2, replicas: 1, ...fast });
  const c = cl.admin;
  await c.drainNode(cl.nodes[1].id);
  await write(c, '/only', randomBytes(1000));
  t.same(
    (await c.info('/only')).blocks![0]!.copies.map((x) => x.node),
    [cl.nodes[0].id],
    'written while the other node drains: on this one',
  );
  await c.drainNode(cl.nodes[1].id, true);
  t.equal((await c.nodes()).find((n) => n.id === cl.nodes[1].id)?.state, 'up', 'undrain: up again');
  await cl.nodes[0].stop();
  await eventually('dead', async () => ((await c.nodes()).find((n) => n.id === cl.nodes[0].id)?.alive === false ? true : undefined));
  t.match(await c.removeNode(cl.nodes[0].id).catch((e: Error) => e), { code: 'EBUSY', message: /1 blocks have their only copy/ }, 'refused');
  t.same(await c.removeNode(cl.nodes[0].id, true), { forgotten: 1, lost: 1 }, '--force: removed, and the block is lost');
  t.equal(await code(c.drainNode('no-such-node')), 'ENOENT', 'an unknown node: ENOENT');
});
