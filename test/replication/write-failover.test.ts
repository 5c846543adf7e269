// Writes go on while nodes fail: a node killed during a write is replaced and close()
// succeeds with the data on two nodes; with one node left a write still lands (and fsck
// reports it under-replicated); with none left the write fails with EIO.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { eventually, splitCluster } from '../helpers/split-cluster.js';
import { sha, readAll } from '../helpers/bytes.js';

const MiB = 1024 * 1024;
t.test('nodes die under a writer', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2 });
  const c = await cl.client();

  const data = randomBytes(64 * MiB);
  const h = await c.create('/during', 0o644);
  for (let off = 0; off < data.length; off += MiB) {
    if (off === 16 * MiB) await cl.nodes[0]!.stop('SIGKILL');
    await h.write(off, data.subarray(off, off + MiB));
  }
  await h.close();
  t.pass('close() succeeded with a node killed mid-write');
  const fresh = await cl.client();
  t.equal(sha(await readAll(fresh, '/during')), sha(data), 'the file reads back whole');
  // blocks written to the dead node before it died are repaired from their other copy
  await eventually('fsck clean after repair', async () => ((await cl.dfs(['fsck', '/during'])).code === 0 ? true : undefined), 120_000);
  t.pass('every block of the file has two live copies');

  await cl.nodes[1]!.stop('SIGKILL');
  await eventually('the master to see one node', async () => ((await cl.status()).nodes.filter((n) => n.alive).length === 1 ? true : undefined));
  const lone = randomBytes(9 * MiB);
  const h2 = await c.create('/lonely', 0o644);
  await h2.write(0, lone);
  await h2.close();
  t.equal(sha(await readAll(fresh, '/lonely')), sha(lone), 'one node left: the write lands on it');
  const fsck = await cl.dfs(['fsck', '/lonely']);
  t.equal(fsck.code, 1, 'fsck exits 1');
  t.match(fsck.stdout, /\/lonely: 3 of 3 blocks under-replicated \(want 2 copies\)/);
  t.match(fsck.stdout, /DAMAGED/);

  await cl.nodes[2]!.stop('SIGKILL');
  const h3 = await c.create('/nowhere', 0o644);
  await h3.write(0, randomBytes(5 * MiB));
  await t.rejects(h3.close(), { code: 'EIO' }, 'no node at all: the write fails with EIO');
});
