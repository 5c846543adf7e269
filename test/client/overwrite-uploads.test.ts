// Overwriting a file in place sends each block once, not once per write into it.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { localCluster } from '../helpers/cluster.js';

t.test('a sequential overwrite in 128 KiB writes uploads each block once', async (t) => {
  const cl = await localCluster(t, { nodes: 1, replicas: 1 });
  const c = cl.admin;
  const size = 16 * 1024 * 1024;
  let h = await c.create('/f', 0o644);
  await h.write(0, randomBytes(size));
  await h.close();

  let puts = 0;
  const put = c.io.put.bind(c.io);
  c.io.put = (...args: Parameters<typeof put>) => {
    puts++;
    return put(...args);
  };
  const data = randomBytes(size);
  h = await c.openFile('/f', { read: true, write: true });
  for (let off = 0; off < size; off += 128 * 1024) await h.write(off, data.subarray(off, off + 128 * 1024));
  await h.close();
  t.equal(puts, 4, 'four blocks, four uploads');
  const r = await c.openFile('/f', { read: true, write: false });
  t.ok((await r.read(0, size)).equals(data), 'and the file holds the new bytes');
  await r.close();
});
