// Blocks are sealed in 64 KiB segments: a random read fetches and checks only the segments
// it touches, and every segment is bound to its block and its place in it.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ADMIN_PASSWORD, localCluster, storedBlocks } from '../helpers/cluster.js';
import { sealedRange, SEGMENT, SEGMENT_OVERHEAD } from '../../src/protocol/block-format.js';
import { importBlockKey, openSegments, sealBlock } from '../../src/client/crypto.js';

const MiB = 1024 * 1024;

t.test('random reads of every size and place match the file', async (t) => {
  const cl = await localCluster(t, { nodes: 2, replicas: 1 });
  const data = randomBytes(9 * MiB + 12345); // two whole blocks and a short third
  const h = await cl.admin.create('/f', 0o644);
  await h.write(0, data);
  await h.close();
  // a fresh client: nothing cached, every read goes to the storage nodes
  const reader = await cl.client('admin', ADMIN_PASSWORD);
  const r = await reader.openFile('/f', { read: true, write: false });
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 300; i++) {
    // each read more than a block away from the previous one, so the reader takes the
    // segment path (a read near the previous one fetches whole blocks)
    const pos = i % 2 === 0 ? rand(2 * MiB) : 7 * MiB + rand(data.length - 7 * MiB);
    const len = 1 + rand(i % 3 === 0 ? 4096 : 200 * 1024);
    const got = await r.read(pos, len);
    if (!got.equals(data.subarray(pos, pos + len))) {
      t.fail(`read of ${len} bytes at ${pos} differs`);
      return;
    }
  }
  // and the edges: a segment boundary, the last byte, past the end
  for (const [pos, len] of [
    [SEGMENT - 3, 6],
    [4 * MiB - 1, 2],
    [data.length - 1, 10],
    [data.length + 5, 10],
  ]) {
    t.same(await r.read(pos, len), data.subarray(pos, pos + len), `read of ${len} at ${pos}`);
  }
  await r.close();
  t.pass('300 random reads matched');
});

t.test('a streaming read drops the blocks it has passed; a re-read of one segment is cached', async (t) => {
  const cl = await localCluster(t, { nodes: 1, replicas: 1 });
  const data = randomBytes(40 * MiB); // ten blocks
  const h = await cl.admin.create('/s', 0o644);
  await h.write(0, data);
  await h.close();
  const reader = await cl.client('admin', ADMIN_PASSWORD); // its cache: 64 MiB, room for all ten
  const r = await reader.openFile('/s', { read: true, write: false });
  let most = 0;
  for (let pos = 0; pos < data.length; pos += 128 * 1024) {
    const got = await r.read(pos, 128 * 1024);
    if (!got.equals(data.subarray(pos, pos + got.length))) return t.fail(`bytes at ${pos} differ`);
    most = Math.max(most, reader.cache.blockCount);
  }
  // the block being read, read-ahead's four and the one or two within 2 MiB behind
  t.ok(most <= 7, `at most 7 blocks were cached at once (${most}), not all ten`);
  t.ok(reader.cache.blockCount < 10, 'and the passed blocks are gone at the end');
  // a random reader (far from its last read) keeps what it fetched
  const pos = 3 * MiB + 5;
  t.same(await r.read(pos, 4096), data.subarray(pos, pos + 4096), 'a random read after the stream');
  const before = reader.cache.size;
  t.same(await r.read(pos + 4096, 100), data.subarray(pos + 4096, pos + 4196), 'the same segment again');
  t.equal(reader.cache.size, before, 'came from the cache');
  await r.close();
});

t.test('a damaged segment fails only the reads that touch it; moved segments are caught', async (t) => {
  const cl = await localCluster(t, { nodes: 1, replicas: 1 });
  const data = randomBytes(1 * MiB);
  const h = await cl.admin.create('/v', 0o644);
  await h.write(0, data);
  await h.close();
  const [block] = await storedBlocks(cl.stores);
  t.equal(block.length, data.length + (data.length / SEGMENT) * SEGMENT_OVERHEAD, 'one envelope per 64 KiB');
  const sealedSeg = SEGMENT + SEGMENT_OVERHEAD;
  block[5 * sealedSeg + 100] ^= 1; // inside segment 5

  const open = async (): Promise<Awaited<ReturnType<typeof cl.admin.openFile>>> => {
    const c = await cl.client('admin', ADMIN_PASSWORD);
    return c.openFile('/v', { read: true, write: false });
  };
  let r = await open();
  t.same(await r.read(2 * SEGMENT + 10, 4096), data.subarray(2 * SEGMENT + 10, 2 * SEGMENT + 10 + 4096), 'an intact segment reads');
  await t.rejects(r.read(5 * SEGMENT + 10, 4096), { code: 'EIO' }, 'the damaged one fails');
  await t.rejects((await open()).read(0, data.length), { code: 'EIO' }, 'a whole-block read fails');
  block[5 * sealedSeg + 100] ^= 1;

  // segment 1 copied over segment 0: a valid envelope in the wrong place
  const saved = Buffer.from(block.subarray(0, sealedSeg));
  block.copy(block, 0, sealedSeg, 2 * sealedSeg);
  r = await open();
  await t.rejects(r.read(10, 100), { code: 'EIO' }, 'a moved segment fails');
  saved.copy(block, 0);
  t.same(await (await open()).read(10, 100), data.subarray(10, 110), 'restored, it reads again');
});

t.test('a reply with fewer segments than asked for is EIO, not a short read', async (t) => {
  const key = importBlockKey(randomBytes(32));
  const b = { ino: 3, index: 0, id: 'x'.repeat(32) };
  const plain = randomBytes(3 * SEGMENT);
  const sealed = sealBlock(key, b, plain);
  const two = sealedRange(plain.length, 1, 2);
  const opened = openSegments(key, b, plain.length, 1, 2, sealed.subarray(two.offset, two.offset + two.length));
  t.same(
    opened.map((s) => s.length),
    [SEGMENT, SEGMENT],
    'one plaintext per segment',
  );
  t.ok(Buffer.concat(opened).equals(plain.subarray(SEGMENT)), 'segments 1..2');
  const one = sealedRange(plain.length, 1, 1);
  t.throws(() => openSegments(key, b, plain.length, 1, 2, sealed.subarray(one.offset, one.offset + one.length)), { code: 'EIO' }, 'segment 1 alone, when 1..2 were asked');
  t.throws(() => openSegments(key, b, plain.length, 0, 2, sealed.subarray(0, sealed.length - 1)), { code: 'EIO' }, 'a whole block cut by a byte');
});
