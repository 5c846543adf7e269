// Three nodes, two copies of every block. A node killed in the middle of a 100 MiB read
// through the mount: the read goes on from the other copies and returns the right bytes;
// then the master notices the dead node and copies its blocks back to two copies on the
// survivors. (Without /dev/fuse the same read goes through the client library.)
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import t from 'tap';
import { fuseUnavailable, mount } from '../helpers/mount.js';
import { blocksOnDisk, eventually, splitCluster } from '../helpers/split-cluster.js';

const MiB = 1024 * 1024;

t.test('SIGKILL a node during a 100 MiB read: right bytes, then repair to 2 copies', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2 });
  const writer = await cl.client();
  const data = randomBytes(100 * MiB);
  const h = await writer.create('/big', 0o644);
  for (let off = 0; off < data.length; off += 8 * MiB) await h.write(off, data.subarray(off, off + 8 * MiB));
  await h.close();
  writer.close();
  const ids = new Set(cl.nodeDirs.flatMap((d) => [...blocksOnDisk(d)]));
  t.equal(ids.size, 25, '25 blocks of 4 MiB');

  const hash = createHash('sha256');
  let killedAt = -1;
  if (!fuseUnavailable()) {
    await cl.dfs(['whoami']); // saves the admin login the mount daemon uses
    const mnt = await mount(t, { url: cl.url, env: cl.env });
    let read = 0;
    for await (const chunk of fs.createReadStream(`${mnt.dir}/big`, { highWaterMark: MiB })) {
      hash.update(chunk as Buffer);
      read += (chunk as Buffer).length;
      if (killedAt < 0 && read >= 30 * MiB) {
        await cl.nodes[0]!.stop('SIGKILL');
        killedAt = read;
      }
    }
    t.equal(read, data.length, 'read through the mount');
  } else {
    const reader = await cl.client();
    const r = await reader.openFile('/big', { read: true, write: false });
    for (let pos = 0; pos < data.length; pos += MiB) {
      if (pos === 30 * MiB) {
        await cl.nodes[0]!.stop('SIGKILL');
        killedAt = pos;
      }
      hash.update(await r.read(pos, MiB));
    }
    await r.close();
  }
  t.ok(killedAt >= 30 * MiB && killedAt < 31 * MiB, 'a node was killed 30 MiB into the read');
  t.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'), 'the read returned the right bytes');

  // repair: with one node of three gone, both survivors must hold every block
  await eventually('every block back to two copies', () => ([1, 2].every((i) => [...ids].every((id) => blocksOnDisk(cl.nodeDirs[i]).has(id))) ? true : undefined), 120_000);
  t.pass('both survivors hold all 25 blocks');
  // a copy is on disk a moment before the master has recorded where it is
  const s = await eventually('the master to count every block as repaired', async () => {
    const st = await cl.status();
    return st.underReplicated === 0 && st.missing === 0 ? st : undefined;
  });
  t.equal(s.nodes.filter((n) => !n.alive).length, 1, 'the killed node is reported dead');
  t.same([s.underReplicated, s.missing], [0, 0], 'nothing under-replicated or missing');
  const fsck = await cl.dfs(['fsck', '/']);
  t.equal(fsck.code, 0, `fsck is clean: ${fsck.stdout.trim().split('\n').pop()}`);
  t.match(fsck.stdout, /HEALTHY/);

  // the dead node comes back: its copies are extra now and are dropped again
  await cl.startNode(0);
  await eventually(
    'extra copies trimmed',
    () => {
      const counts = [...ids].map((id) => cl.nodeDirs.filter((d) => blocksOnDisk(d).has(id)).length);
      return counts.every((c) => c === 2) ? true : undefined;
    },
    120_000,
  );
  t.pass('after the node returned, every block has exactly two copies again');
});
