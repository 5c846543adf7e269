// Sequences the differential exerciser (test/differential) found wrong in the client
// library, each kept as it was shrunk, so that the bug stays fixed.
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
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

t.test('a read past the bytes a slot with overlays holds, but in its last segment, reads zeros', async (t) => {
  // 512 KiB blocks, 256 KiB of dirty room (the soak's overlays setup, seed 1975525509): slot 2
  // holds a 1-byte block and an overlay reaching 131,073 bytes into it; the file reaches
  // further. A read at 135,168 asked the slot for bytes past its reach: a negative buffer.
  const cl = await localCluster(t, { blockSize: 524288 });
  const c = new DfsClient(cl.url, { limits: { dirtyBytes: 262144 } });
  await c.login('admin', ADMIN_PASSWORD);
  t.teardown(() => c.close());
  const h = await c.create('/f', 0o644, { read: true, write: true });
  await c.truncate('/f', 1183745);
  await h.write(1048576, Buffer.from([1]));
  await h.write(1134592, Buffer.alloc(45057, 7));
  await h.close();
  t.ok(cl.master.state.ns.overlaysLaid > 0, 'an overlay was laid');
  const r = await c.openFile('/f', { read: true, write: false });
  t.same([...(await r.read(1183744, 1))], [0], 'a zero');
  t.same([...(await r.read(1179648, 2))], [7, 0], 'and the last byte written, then a zero');
  await r.close();
});
