// The mount's attribute cache on its own, with a clock the test moves: time to live, what
// each kind of change drops (a name, an inode's every name, a subtree), and the bound.
import t from 'tap';
import { AttrCache, childPath, parentOf } from '../../src/fuse/attr-cache.js';
import type { Attr } from '../../src/protocol/types.js';

function attr(ino: number, more: Partial<Attr> = {}): Attr {
  return { ino, type: 'file', mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0, ctime: 0, replicas: 1, ...more };
}

function cache(ttl = 1000, max = 1000): { c: AttrCache; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { c: new AttrCache(ttl, max, () => clock.now), clock };
}

t.test('paths', async (t) => {
  t.equal(parentOf('/a/b'), '/a');
  t.equal(parentOf('/a'), '/');
  t.equal(parentOf('/'), '/');
  t.equal(childPath('/', 'a'), '/a');
  t.equal(childPath('/a', 'b'), '/a/b');
});

t.test('an entry answers until its time to live is over', async (t) => {
  const { c, clock } = cache(1000);
  c.fill('/f', attr(2, { size: 5 }), c.version);
  t.equal(c.get('/f')?.size, 5);
  clock.now += 999;
  t.equal(c.get('/f')?.size, 5, 'still fresh 1 ms before the end');
  clock.now += 1;
  t.equal(c.get('/f'), undefined, 'gone at the time to live');
  t.equal(c.size, 0, 'and forgotten');
  t.equal(c.get('/never'), undefined);
});

t.test('a time to live of 0 keeps nothing', async (t) => {
  const { c } = cache(0);
  c.fill('/f', attr(2), c.version);
  c.set('/g', attr(3));
  t.equal(c.get('/f'), undefined);
  t.equal(c.get('/g'), undefined);
});

t.test('a read that raced a change does not fill', async (t) => {
  const { c } = cache();
  const before = c.version;
  c.drop('/elsewhere');
  c.fill('/f', attr(2, { size: 1 }), before);
  t.equal(c.get('/f'), undefined, 'the answer may predate the change');
  c.fill('/f', attr(2, { size: 2 }), c.version);
  t.equal(c.get('/f')?.size, 2);
});

t.test("set replaces an entry and drops the inode's other names", async (t) => {
  const { c } = cache();
  const v = c.version;
  c.fill('/a', attr(7, { nlink: 2, mode: 0o100644 }), v);
  c.fill('/b', attr(7, { nlink: 2, mode: 0o100644 }), v);
  c.fill('/other', attr(8), v);
  c.set('/a', attr(7, { nlink: 2, mode: 0o100600 }));
  t.equal(c.get('/a')?.mode, 0o100600);
  t.equal(c.get('/b'), undefined, 'a hard link of the changed inode');
  t.ok(c.get('/other'), 'another inode stays');
});

t.test('dropInode forgets every name of the inode', async (t) => {
  const { c } = cache();
  const v = c.version;
  c.fill('/x', attr(4, { nlink: 2 }), v);
  c.fill('/d/y', attr(4, { nlink: 2 }), v);
  c.fill('/z', attr(5), v);
  c.dropInode(4);
  t.equal(c.get('/x'), undefined);
  t.equal(c.get('/d/y'), undefined);
  t.ok(c.get('/z'));
});

t.test("dropLinked: the name, its inode's names, and every multiply-linked name when the inode is unknown", async (t) => {
  const { c } = cache();
  let v = c.version;
  // "/a" was cached with one link, before another mount linked it as "/b": only the
  // inode number ties the two, not the multiply-linked sweep
  c.fill('/a', attr(7, { nlink: 1 }), v);
  c.fill('/b', attr(7, { nlink: 2 }), v);
  c.fill('/single', attr(8), v);
  c.fill('/dir', attr(9, { type: 'dir', mode: 0o40755, nlink: 3 }), v);
  c.dropLinked('/b');
  t.equal(c.get('/b'), undefined, 'the name itself');
  t.equal(c.get('/a'), undefined, 'another name of its inode, found by inode number');
  t.ok(c.get('/single'), 'a file with one link is not another name of anything');
  t.ok(c.get('/dir'), "a directory's links are its subdirectories, not names");
  // "/c" was never cached: its inode may be that of "/b" (a hard link seen only as "/b")
  v = c.version;
  c.fill('/b', attr(7, { nlink: 2 }), v);
  c.dropLinked('/c');
  t.equal(c.get('/b'), undefined);
  t.ok(c.get('/single'));
});

t.test('dropTree voids the path and everything below it, and nothing beside it', async (t) => {
  const { c, clock } = cache(1000);
  const v = c.version;
  ['/d', '/d/a', '/d/sub', '/d/sub/deep', '/dx', '/e/d'].forEach((p, i) => c.fill(p, attr(20 + i), v));
  c.dropTree('/d');
  for (const p of ['/d', '/d/a', '/d/sub', '/d/sub/deep']) t.equal(c.get(p), undefined, `${p} is gone`);
  t.ok(c.get('/dx'), 'a sibling that shares the prefix as a string stays');
  t.ok(c.get('/e/d'), 'the same name elsewhere stays');
  // what is stored after the drop is good
  c.fill('/d/new', attr(100), c.version);
  t.ok(c.get('/d/new'));
  c.set('/d', attr(101, { type: 'dir', mode: 0o40755 }));
  t.ok(c.get('/d'));
  // a drop record outlives no entry it could void
  clock.now += 500;
  c.fill('/d/later', attr(102), c.version);
  clock.now += 600;
  t.ok(c.get('/d/later'), 'stored after the drop, still fresh');
  c.dropTree('/');
  t.equal(c.get('/d/later'), undefined, 'dropping the root voids everything');
  t.equal(c.get('/e/d'), undefined);
});

t.test('the oldest entries go first past the bound, and expired ones as others come', async (t) => {
  const { c, clock } = cache(1000, 3);
  for (let i = 1; i <= 4; i++) c.fill(`/f${i}`, attr(i), c.version);
  t.equal(c.size, 3);
  t.equal(c.get('/f1'), undefined, 'the oldest went');
  t.ok(c.get('/f4'));
  clock.now += 1000;
  c.fill('/g', attr(9), c.version);
  t.equal(c.size, 1, 'expired entries are pruned when a new one comes');
  // storing a name again makes it the newest
  c.fill('/a', attr(10), c.version);
  c.fill('/b', attr(11), c.version);
  c.fill('/g', attr(9), c.version);
  c.fill('/c', attr(12), c.version);
  t.ok(c.get('/g'));
  t.equal(c.get('/a'), undefined);
});

t.test('clear forgets everything', async (t) => {
  const { c } = cache();
  c.fill('/a', attr(1), c.version);
  c.clear();
  t.equal(c.get('/a'), undefined);
  t.equal(c.size, 0);
});

t.test('fresh: an open that changed nothing keeps fills in flight for other names, not for its own', async (t) => {
  const { c } = cache();
  const v = c.version; // a listing (or a getattr of /f) starts here
  c.fresh('/f', attr(3, { size: 10 }));
  t.equal(c.get('/f')?.size, 10, "the open's answer is served");
  c.fill('/f', attr(3, { size: 5 }), v);
  t.equal(c.get('/f')?.size, 10, 'an older answer for the same name does not replace it');
  c.fill('/g', attr(4), v);
  t.ok(c.get('/g'), 'the listing still fills the other names');
  const w = c.version;
  c.set('/h', attr(5));
  c.fill('/g2', attr(6), w);
  t.equal(c.get('/g2'), undefined, 'whereas a change through the mount voids fills in flight');
});
