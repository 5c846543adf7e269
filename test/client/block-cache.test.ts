// The client's cache of decrypted segments: runs load in one call, whole blocks for a
// sequential reader, failures are retried, and the least recently used block goes first.
import t from 'tap';
import { BlockCache } from '../../src/client/block-cache.js';

const SEG = 4; // bytes per fake segment: only lengths matter to the cache

function loader(): { calls: [number, number][]; load: (lo: number, hi: number) => Promise<Buffer[]> } {
  const calls: [number, number][] = [];
  return {
    calls,
    load: async (lo, hi) => {
      calls.push([lo, hi]);
      return Array.from({ length: hi - lo + 1 }, (_, k) => Buffer.alloc(SEG, lo + k));
    },
  };
}

t.test('missing segments load as one run; what is at hand is not asked for again', async (t) => {
  const cache = new BlockCache(1 << 20);
  const l = loader();
  const got = await cache.segments('a', 2, 4, { first: 2, last: 4 }, l.load);
  t.same(
    got.map((b) => b[0]),
    [2, 3, 4],
    'segments 2..4, in order',
  );
  t.same(l.calls, [[2, 4]], 'one call for the run');
  await cache.segments('a', 3, 3, { first: 3, last: 3 }, l.load);
  t.same(l.calls.length, 1, 'segment 3 was at hand');
  await cache.segments('a', 1, 5, { first: 1, last: 5 }, l.load);
  t.same(l.calls[1], [1, 5], 'a run around cached segments is one request for the span of the gap');
  t.equal(cache.size, 5 * SEG, 'bytes at hand: segments 1..5');
});

t.test('a sequential reader loads the whole block in one call', async (t) => {
  const cache = new BlockCache(1 << 20);
  const l = loader();
  const got = await cache.segments('b', 0, 1, { first: 0, last: 63 }, l.load);
  t.same(got.length, 2, 'the two segments asked for');
  t.same(l.calls, [[0, 63]], 'the whole block in one request');
  await cache.segments('b', 10, 63, { first: 0, last: 63 }, l.load);
  t.same(l.calls.length, 1, 'the rest of the block was at hand');
});

t.test('a failed load is forgotten, and one nobody waits for is no crash', async (t) => {
  const cache = new BlockCache(1 << 20);
  let fail = true;
  const load = async (lo: number, hi: number): Promise<Buffer[]> => {
    if (fail) throw new Error('node down');
    return Array.from({ length: hi - lo + 1 }, () => Buffer.alloc(SEG));
  };
  // segments 2..63 of this load are never awaited by anyone
  await t.rejects(cache.segments('c', 0, 1, { first: 0, last: 63 }, load), /node down/, 'the reader sees the failure');
  await new Promise((r) => setImmediate(r));
  t.equal(cache.blockCount, 0, 'and nothing is left of the block');
  fail = false;
  t.equal((await cache.segments('c', 0, 63, { first: 0, last: 63 }, load)).length, 64, 'the next read loads again');
});

t.test('over budget, the least recently used block goes, never one still loading', async (t) => {
  const cache = new BlockCache(4 * SEG);
  const l = loader();
  await cache.segments('x', 0, 1, { first: 0, last: 1 }, l.load);
  await cache.segments('y', 0, 1, { first: 0, last: 1 }, l.load);
  await cache.segments('x', 0, 0, { first: 0, last: 0 }, l.load); // x is now the most recent
  let release!: () => void;
  const slow = cache.segments('z', 0, 0, { first: 0, last: 0 }, (lo, hi) => new Promise((r) => (release = () => r(l.load(lo, hi)))));
  await cache.segments('w', 0, 1, { first: 0, last: 1 }, l.load); // over budget: y goes, z is loading
  const before = l.calls.length;
  await cache.segments('x', 0, 1, { first: 0, last: 1 }, l.load);
  t.equal(l.calls.length, before, 'x, recently used, was kept');
  await cache.segments('y', 0, 0, { first: 0, last: 0 }, l.load);
  t.equal(l.calls.length, before + 1, 'y, least recently used, was dropped');
  release();
  t.equal((await slow)[0].length, SEG, 'the block that was loading arrived whole');
  t.ok(cache.size <= 4 * SEG, 'the cache is back within its budget');
});

t.test('a dropped block is gone at once, unless it is still loading', async (t) => {
  const cache = new BlockCache(1 << 20);
  const l = loader();
  await cache.segments('p', 0, 3, { first: 0, last: 3 }, l.load);
  await cache.segments('q', 0, 1, { first: 0, last: 1 }, l.load);
  cache.drop('p');
  t.equal(cache.size, 2 * SEG, 'only q is counted');
  t.equal(cache.blockCount, 1, 'p is gone');
  cache.drop('never-cached');
  let release!: () => void;
  const slow = cache.segments('r', 0, 0, { first: 0, last: 0 }, (lo, hi) => new Promise((res) => (release = () => res(l.load(lo, hi)))));
  cache.drop('r');
  release();
  await slow;
  t.equal(cache.blockCount, 2, 'r, dropped while loading, stayed');
  t.equal(cache.size, 3 * SEG, 'and its bytes are counted');
});

t.test('a prefetch starts one load for what is missing and waits for nothing; readers then find it', async (t) => {
  const cache = new BlockCache(1 << 20);
  const l = loader();
  await cache.segments('f', 0, 1, { first: 0, last: 1 }, l.load);
  cache.prefetch('f', { first: 0, last: 7 }, l.load);
  cache.prefetch('f', { first: 0, last: 7 }, l.load);
  t.same(
    l.calls,
    [
      [0, 1],
      [2, 7],
    ],
    'one load, for segments 2..7; the second prefetch found them on their way',
  );
  t.same(
    (await cache.segments('f', 5, 7, { first: 0, last: 7 }, l.load)).map((b) => b[0]),
    [5, 6, 7],
    'a reader gets them',
  );
  t.equal(l.calls.length, 2, 'without loading again');
});
