// The truncate rule: bytes past the smallest size a file had since they were last written
// read as zeros, whatever sequence of writes and truncates one handle, two handles or two
// clients made, and no block a truncate cut off comes back (issue 12's first case).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { localCluster } from '../helpers/cluster.js';

const KiB = 1024;

t.test('shrink, write past the new end, grow, in one handle: the cut bytes stay zeros', async (t) => {
  // the sizes, scaled to 64 KiB blocks: the cut spans several blocks
  const { admin: c } = await localCluster(t, { blockSize: 64 * KiB });
  const old = randomBytes(140 * KiB + 100);
  let h = await c.create('/f', 0o644);
  await h.write(0, old);
  await h.close();

  h = await c.openFile('/f', { read: true, write: true });
  await h.truncate(38 * KiB + 9);
  await h.write(40 * KiB + 5, Buffer.alloc(7, 'x'));
  await h.truncate(128 * KiB - 7);
  await h.close();

  const want = Buffer.alloc(128 * KiB - 7);
  old.copy(want, 0, 0, 38 * KiB + 9);
  want.fill('x', 40 * KiB + 5, 40 * KiB + 12);
  const r = await c.openFile('/f', { read: true, write: false });
  t.equal(r.size, want.length);
  t.ok((await r.read(0, want.length)).equals(want), 'the old tail does not come back');
  await r.close();
});

t.test('a shrink then a write past the end, closed: the gap reads zeros', async (t) => {
  const { admin: c } = await localCluster(t, { blockSize: 64 * KiB });
  const old = randomBytes(200 * KiB);
  let h = await c.create('/g', 0o644);
  await h.write(0, old);
  await h.close();
  h = await c.openFile('/g', { read: true, write: true });
  await h.truncate(10);
  await h.write(150 * KiB, Buffer.from('end'));
  await h.close();
  const want = Buffer.alloc(150 * KiB + 3);
  old.copy(want, 0, 0, 10);
  want.write('end', 150 * KiB);
  const got = await (await c.openFile('/g', { read: true, write: false })).read(0, want.length + 1);
  t.ok(got.equals(want));
});

t.test('a truncate in one client is not undone by a write in another that read the old bytes', async (t) => {
  const cl = await localCluster(t, { blockSize: 64 * KiB });
  const a = cl.admin;
  const b = await cl.client('admin', 'admin-test-password');
  const old = randomBytes(100 * KiB);
  const h0 = await a.create('/x', 0o644);
  await h0.write(0, old);
  await h0.close();

  // b reads a block (it is now b's base), a cuts the file inside that block, b writes one byte
  const hb = await b.openFile('/x', { read: true, write: true });
  t.ok((await hb.read(0, 10)).equals(old.subarray(0, 10)));
  await a.truncate('/x', 5);
  await hb.write(20 * KiB, Buffer.from('B'));
  await hb.close();

  const want = Buffer.alloc(20 * KiB + 1);
  old.copy(want, 0, 0, 5);
  want.write('B', 20 * KiB);
  const got = await (await a.openFile('/x', { read: true, write: false })).read(0, 200 * KiB);
  t.equal(got.length, want.length, 'size: the end of b\'s write, not b\'s old view of the size');
  t.ok(got.equals(want), 'bytes a cut read as zeros; b\'s byte is there');
});

t.test('two clients writing different bytes of one block both keep their writes', async (t) => {
  const cl = await localCluster(t, { blockSize: 64 * KiB });
  const a = cl.admin;
  const b = await cl.client('admin', 'admin-test-password');
  const h0 = await a.create('/y', 0o644);
  await h0.write(0, Buffer.alloc(64 * KiB, '.'));
  await h0.close();
  const ha = await a.openFile('/y', { read: true, write: true });
  const hb = await b.openFile('/y', { read: true, write: true });
  await ha.write(100, Buffer.from('AAAA'));
  await hb.write(5000, Buffer.from('BBBB'));
  await ha.close();
  await hb.close();
  const got = await (await a.openFile('/y', { read: true, write: false })).read(0, 64 * KiB);
  t.equal(got.subarray(100, 104).toString(), 'AAAA');
  t.equal(got.subarray(5000, 5004).toString(), 'BBBB');
});

t.test('a truncate past the largest file size fails and changes nothing', async (t) => {
  const { admin: c } = await localCluster(t, { blockSize: 64 * KiB });
  const h = await c.create('/z', 0o644);
  await h.write(0, Buffer.from('abc'));
  await t.rejects(h.truncate(999_999_999_999_999), { code: 'EFBIG' });
  t.equal(h.size, 3);
  await h.close();
  t.equal((await c.getattr('/z')).size, 3);
});
