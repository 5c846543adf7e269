// Paged listings: pages in order from a copy, cursors bound to their owner, and the copies
// bounded in number and in items, so first pages asked for over and over cannot pile up.
import t from 'tap';
import { PagedListings } from '../../src/rpc/paging.js';

const items = (n: number, tag = ''): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);

t.test('pages from a copy, in order, until the cursor is gone', async (t) => {
  const l = new PagedListings<string>(10, 60_000);
  let r = l.begin('a', items(25), 10, 0);
  const seen = [...r.page];
  while (r.cursor) {
    r = l.next('a', r.cursor, 10, 1);
    seen.push(...r.page);
  }
  t.same(seen, items(25), 'every item once, in order');
  t.same(l.size, { listings: 0, items: 0 }, 'nothing kept once done');
  t.same(l.begin('a', items(3), 10, 0), { page: items(3) }, 'a short list: one page, no cursor');
});

t.test('cursors: owner-bound, expiring', async (t) => {
  const l = new PagedListings<string>(10, 1000);
  const { cursor } = l.begin('a', items(5), 2, 0);
  t.throws(() => l.next('b', cursor!, 2, 1), { code: 'ESTALE' }, "another owner's cursor");
  t.throws(() => l.next('a', cursor!, 2, 2000), { code: 'ESTALE' }, 'an expired one');
  t.throws(() => l.next('a', 'nonsense', 2, 0), { code: 'ESTALE' }, 'an unknown one');
});

t.test('bounded in listings and in items: the least recently used goes', async (t) => {
  const l = new PagedListings<string>(3, 60_000, 100);
  const a = l.begin('o', items(40, 'a'), 1, 0).cursor!;
  const b = l.begin('o', items(40, 'b'), 1, 0).cursor!;
  l.next('o', a, 1, 0); // a is now the most recently used
  const c = l.begin('o', items(40, 'c'), 1, 0).cursor!; // 120 items > 100: b goes
  t.throws(() => l.next('o', b, 1, 0), { code: 'ESTALE' }, 'the least recently used listing was dropped');
  t.same(l.next('o', a, 1, 0).page, ['a2'], 'the others go on');
  t.same(l.next('o', c, 1, 0).page, ['c1']);
  t.same(l.size, { listings: 2, items: 80 });
  for (let i = 0; i < 5; i++) l.begin('o', items(2, `x${i}`), 1, 0);
  t.equal(l.size.listings, 3, 'at most three listings at once');
  const huge = l.begin('o', items(500, 'h'), 1, 0).cursor!;
  t.same(l.size, { listings: 1, items: 500 }, 'one listing over the item budget is kept, alone');
  t.same(l.next('o', huge, 1, 0).page, ['h1']);
});

t.test('a listing ended early is gone at once; only its owner can end it', async (t) => {
  const l = new PagedListings<string>(10, 1000);
  const { cursor } = l.begin('a', items(30), 10, 0);
  l.end('b', cursor!);
  t.same(l.size, { listings: 1, items: 30 }, "another owner's end is ignored");
  l.end('a', cursor!);
  t.same(l.size, { listings: 0, items: 0 }, 'ended: nothing kept');
  t.throws(() => l.next('a', cursor!, 10, 1), { code: 'ESTALE' }, 'its cursor is stale');
  l.end('a', 'unknown');
  t.pass('an unknown cursor is no error');
});
