// When the daemon lists a directory ahead of the stats that miss its attribute cache: after
// a few misses in one directory, once per cache time, never two listings of one directory at
// once, and seldom for a directory that is huge or cannot be listed.
import t from 'tap';
import { StatAhead, type StatAheadLimits } from '../../src/fuse/stat-ahead.js';

const LIMITS: StatAheadLimits = { misses: 3, windowMs: 1000, maxEntries: 100, backoffMs: 60_000, maxDirs: 4 };

function setup(limits: Partial<StatAheadLimits> = {}): {
  ahead: StatAhead;
  clock: { now: number };
  listed: string[];
  /** Ends the oldest listing still running with `entries` entries (or a failure). */
  finish: (entries: number | Error) => Promise<void>;
} {
  const clock = { now: 1_000_000 };
  const listed: string[] = [];
  const running: { resolve(n: number): void; reject(e: Error): void }[] = [];
  const ahead = new StatAhead(
    (dir) => {
      listed.push(dir);
      return new Promise<number>((resolve, reject) => running.push({ resolve, reject }));
    },
    { ...LIMITS, ...limits },
    () => clock.now,
  );
  return {
    ahead,
    clock,
    listed,
    finish: async (entries) => {
      const r = running.shift()!;
      if (entries instanceof Error) r.reject(entries);
      else r.resolve(entries);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

t.test('a few misses in one directory list it, once', async (t) => {
  const { ahead, listed, finish, clock } = setup();
  ahead.miss('/d/a');
  ahead.miss('/d/b');
  ahead.miss('/e/x');
  t.same(listed, [], 'two misses in /d, one in /e: nothing yet');
  ahead.miss('/d/c');
  t.same(listed, ['/d'], 'the third miss in /d lists it');
  for (const n of ['d', 'e', 'f', 'g']) ahead.miss(`/d/${n}`);
  t.same(listed, ['/d'], 'not again while the listing runs');
  await finish(10);
  clock.now += 999;
  for (const n of ['h', 'i', 'j']) ahead.miss(`/d/${n}`);
  t.same(listed, ['/d'], 'not again within the cache time: what it filled is still fresh');
  clock.now += 1;
  for (const n of ['k', 'l']) ahead.miss(`/d/${n}`);
  t.same(listed, ['/d']);
  ahead.miss('/d/m');
  t.same(listed, ['/d', '/d'], 'after the cache time, a few more misses list it again');
  ahead.miss('/x');
  ahead.miss('/y');
  ahead.miss('/z');
  t.same(listed, ['/d', '/d', '/'], 'the root directory too');
});

t.test('misses spread thinner than the cache time do not list', async (t) => {
  const { ahead, listed, clock } = setup();
  for (let i = 0; i < 10; i++) {
    ahead.miss(`/d/f${i}`);
    clock.now += 600;
  }
  t.same(listed, [], 'two misses a window at most');
});

t.test('a huge directory, or one that cannot be listed, is left alone for a long while', async (t) => {
  const { ahead, listed, finish, clock } = setup();
  for (const n of ['a', 'b', 'c']) ahead.miss(`/big/${n}`);
  for (const n of ['a', 'b', 'c']) ahead.miss(`/locked/${n}`);
  t.same(listed, ['/big', '/locked']);
  await finish(101);
  await finish(Object.assign(new Error('denied'), { code: 'EACCES' }));
  clock.now += 59_999;
  for (const n of ['d', 'e', 'f']) ahead.miss(`/big/${n}`);
  for (const n of ['d', 'e', 'f']) ahead.miss(`/locked/${n}`);
  t.same(listed, ['/big', '/locked'], 'within the back-off');
  clock.now += 1;
  for (const n of ['g', 'h', 'i']) ahead.miss(`/big/${n}`);
  t.same(listed, ['/big', '/locked', '/big'], 'after it');
});

t.test('the directories tracked stay bounded', async (t) => {
  const { ahead, listed, clock } = setup();
  for (let i = 0; i < 20; i++) ahead.miss(`/d${i}/f`);
  t.ok(ahead.tracked <= LIMITS.maxDirs, `${ahead.tracked} tracked`);
  clock.now += 5000;
  for (let i = 0; i < 20; i++) ahead.miss(`/e${i}/f`);
  t.ok(ahead.tracked <= LIMITS.maxDirs);
  t.same(listed, []);
});
