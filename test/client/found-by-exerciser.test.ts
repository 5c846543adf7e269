// Sequences the differential exerciser (test/differential) found wrong in the client
// library, each kept as it was shrunk, so that the bug stays fixed.
import t from 'tap';
import { ADMIN_PASSWORD, localCluster } from '../helpers/cluster.js';

t.test('a write into a slot another client filled meanwhile keeps all of that block, up to the size the read brought', async (t) => {
  // 64 KiB blocks. Client 1 grows the file by a truncate to one byte into block 4; client 0,
  // opened before, writes two bytes there and syncs; client 1 writes the third byte. Its read
  // of block 4 brought the master's newer size with it, and the block was kept to the size
  // from before the read: one byte of client 0's two.
  const cl = await localCluster(t, { blockSize: 65536 });
  const c0 = cl.admin;
  const c1 = await cl.client('admin', ADMIN_PASSWORD);
  const h1 = await c1.create('/f', 0o644, { read: true, write: true });
  const h0 = await c0.openFile('/f', { read: true, write: true });
  await h1.truncate(262145);
  await h0.write(223250, Buffer.alloc(38896, 0xaa));
  await h0.fsync();
  await h1.write(262146, Buffer.from([0xbb])); // block 4 as client 1 last heard: none
  await h1.fsync();
  const r = await c0.openFile('/f', { read: true, write: false });
  const got = await r.read(0, r.size);
  await r.close();
  t.same([...got.subarray(262143)], [0xaa, 0xaa, 0xaa, 0xbb], "client 0's bytes and client 1's");
});
