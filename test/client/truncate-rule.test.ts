// The truncate rule: bytes past the smallest size a file had since they were last written
// read as zeros, whatever sequence of writes and truncates one handle, two handles or two
// clients made, and no block a truncate cut off comes back (issue 12's first case).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { DEFAULTS } from '../../src/defaults.js';
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
  t.equal(got.length, want.length, "size: the end of b's write, not b's old view of the size");
  t.ok(got.equals(want), "bytes a cut read as zeros; b's byte is there");
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

t.test('a write at or past the largest file size fails and changes nothing; one that crosses it is cut short', async (t) => {
  const { admin: c } = await localCluster(t, { blockSize: 64 * KiB });
  const h = await c.create('/w', 0o644);
  await h.write(0, Buffer.from('abc'));
  await t.rejects(h.write(999_999_999_999_999, Buffer.from('x')), { code: 'EFBIG' });
  const max = DEFAULTS.maxBlocksPerFile * 64 * KiB;
  await t.rejects(h.write(max, Buffer.from('x')), { code: 'EFBIG' }, 'at the largest size itself');
  await h.flush();
  t.equal((await c.getattr('/w')).size, 3, 'the size as it was');
  t.equal(await h.write(max - 2, Buffer.from('wxyz')), 2, 'the bytes up to the largest size, as Linux writes them');
  await h.close();
  t.equal((await c.getattr('/w')).size, max);
});

// Cases the differential exerciser found (test/differential/), kept as they were shrunk.

t.test('found: a truncate by a client whose block list is old still cuts the stored block', async (t) => {
  const cl = await localCluster(t, { blockSize: 64 * KiB });
  const [a, b] = [cl.admin, await cl.client('admin', 'admin-test-password')];
  const hb = await b.create('/s', 0o644); // b's view: an empty file
  const ha = await a.openFile('/s', { read: true, write: true });
  await ha.write(0, Buffer.from('ab'));
  await ha.fsync();
  await hb.truncate(1); // b never saw block 0
  await hb.write(64 * KiB, Buffer.from('c'));
  await hb.close();
  await ha.close();
  const got = await (await a.openFile('/s', { read: true, write: false })).read(0, 70 * KiB);
  t.equal(got.length, 64 * KiB + 1);
  t.equal(got[0], 'a'.charCodeAt(0));
  t.equal(got[1], 0, 'the byte the truncate cut reads as zero');
});

t.test("found: a stat through a client with unsaved writes shows the larger of its writes and the master's size", async (t) => {
  const cl = await localCluster(t, { blockSize: 64 * KiB });
  const [a, b] = [cl.admin, await cl.client('admin', 'admin-test-password')];
  const hb = await b.create('/t', 0o644);
  await a.truncate('/t', 2);
  await hb.write(0, Buffer.from('x'));
  t.equal((await b.getattr('/t')).size, 2);
  await hb.close();
  t.equal((await a.getattr('/t')).size, 2);
});

t.test('found: O_RDONLY|O_TRUNC empties the file, as on Linux', async (t) => {
  const { admin: c } = await localCluster(t, { blockSize: 64 * KiB });
  const h = await c.create('/u', 0o644);
  await h.write(0, Buffer.from('data'));
  await h.close();
  const r = await c.openFile('/u', { read: true, write: false, truncate: true });
  t.equal(r.size, 0);
  await r.close();
  t.equal((await c.getattr('/u')).size, 0);
});

t.test("found: an open sees another client's committed bytes under this client's unsaved ones", async (t) => {
  const cl = await localCluster(t, { blockSize: 64 * KiB });
  const [a, b] = [cl.admin, await cl.client('admin', 'admin-test-password')];
  const hb = await b.create('/v', 0o644);
  const ha = await a.openFile('/v', { read: true, write: true });
  await ha.write(0, Buffer.alloc(64 * KiB, 'A'));
  await ha.close();
  await hb.write(0, Buffer.from('b')); // built on b's old view: an empty block
  const again = await b.openFile('/v', { read: true, write: false });
  const got = await again.read(0, 64 * KiB);
  t.equal(got.length, 64 * KiB);
  t.equal(got.subarray(0, 3).toString(), 'bAA', "b's byte over a's block");
  await again.close();
  await hb.close();
});
