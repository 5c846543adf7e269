// A write that spans a master restart (an upgrade, a crash and restart) completes: the
// writer waits for the master to come back and uploads again under fresh block ids, since
// the master forgets the ids it handed out before it stopped.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { sha, readAll } from '../helpers/bytes.js';
import { splitCluster } from '../helpers/split-cluster.js';

const MiB = 1024 * 1024;

t.test('writes open across a master restart complete, byte for byte', async (t) => {
  const cl = await splitCluster(t, { nodes: 2, replicas: 1 });
  const c = await cl.client();

  // a small file: its block id was handed out with the create, before the restart
  const small = randomBytes(3000);
  const h = await c.create('/small', 0o644);
  await h.write(0, small.subarray(0, 1000));
  // a large one: a full block goes up while the master is down
  const big = randomBytes(9 * MiB);
  const g = await c.create('/big', 0o644);
  await g.write(0, big.subarray(0, 3 * MiB));

  await cl.master!.stop('SIGTERM');
  const writing = g.write(3 * MiB, big.subarray(3 * MiB)); // fills block 0 and more: uploads start now
  await new Promise((r) => setTimeout(r, 1000)); // the master stays away a while
  await cl.startMaster();

  await h.write(1000, small.subarray(1000));
  await h.close();
  await writing;
  await g.close();
  t.pass('both closes returned');

  const reader = await cl.client();
  t.equal(sha(await readAll(reader, '/small')), sha(small), 'the small file, whole');
  t.equal(sha(await readAll(reader, '/big')), sha(big), 'the large file, whole');
});
