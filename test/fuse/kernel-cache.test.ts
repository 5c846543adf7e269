// The by-inode mount's cache policy (src/fuse/kernel-cache.ts) and the names it tracks
// (kernel-names.ts), without a kernel: which answers are cached long and which briefly,
// which invalidations go on to the kernel, and what a broken channel takes back.
import t from 'tap';
import { KernelCache, type KernelNotifier } from '../../src/fuse/kernel-cache.js';
import { KernelNames } from '../../src/fuse/kernel-names.js';
import { NodeTable } from '../../src/fuse/node-table.js';
import { DfsError } from '../../src/rpc/errors.js';

const attr = (ino: number, type: 'file' | 'dir' = 'file') => ({
  ino,
  type,
  mode: 0o100644,
  nlink: 1,
  uid: 0,
  gid: 0,
  size: 0,
  atime: 0,
  mtime: 0,
  ctime: 0,
  replicas: 1,
});

function setup(o: { recentChanges?: number; maxAbsent?: number; fail?: DfsError } = {}) {
  let now = 1_000_000;
  const sent: string[] = [];
  const logged: string[] = [];
  const nodes = new NodeTable({ attr: attr(1, 'dir'), ticket: 'root' });
  const names = new KernelNames(o.maxAbsent ?? 100, () => now);
  const cache = new KernelCache(
    nodes,
    names,
    { leased: 50, unleased: 0.5, recentChanges: o.recentChanges ?? 100 },
    (l) => logged.push(l),
    () => now,
  );
  const notifier: KernelNotifier = {
    notifyInvalInode: async (ino, offset) => {
      sent.push(`inode ${ino} ${offset}`);
      if (o.fail) throw o.fail;
      return true;
    },
    notifyInvalEntry: async (parent, name) => {
      sent.push(`entry ${parent}/${name}`);
      return true;
    },
  };
  cache.attach(notifier);
  return { nodes, names, cache, sent, logged, advance: (ms: number) => (now += ms) };
}

t.test('answers are cached for the lease while the channel is up, for what is left of it, and briefly otherwise', async (t) => {
  const { cache, advance } = setup();
  const era = cache.era();
  t.equal(cache.seconds(era, 5), 50);
  t.same(cache.entryTimes(era, 5, 1, 'f'), { attrTimeout: 50, entryTimeout: 50 });
  t.ok(cache.keepPages(era, 5));
  advance(20_000);
  t.equal(cache.seconds(era, 5), 30, 'an answer asked for 20 s ago: what is left of its lease');
  advance(40_000);
  t.equal(cache.seconds(era, 5), 0.5, 'a lease run out: briefly');

  const before = cache.era();
  cache.channel(false);
  t.equal(cache.seconds(cache.era(), 5), 0.5, 'while the channel is down');
  t.notOk(cache.keepPages(cache.era(), 5));
  cache.channel(true);
  t.equal(cache.seconds(before, 5), 0.5, 'asked for before the break, answered after: briefly');
  t.equal(cache.seconds(cache.era(), 5), 50, 'asked for once it is back: for long');
});

t.test('an invalidation that comes in while a call is out makes that answer brief', async (t) => {
  const { cache, nodes } = setup();
  const era = cache.era();
  void cache.changed({ kind: 'inode', ino: 7 });
  void cache.changed({ kind: 'entry', parent: 1, name: 'g' });
  t.equal(cache.seconds(era, 7), 0.5, 'the inode changed');
  t.notOk(cache.keepPages(era, 7));
  t.equal(cache.seconds(era, 8), 50, 'another inode did not');
  t.same(cache.entryTimes(era, 8, 1, 'g'), { attrTimeout: 0.5, entryTimeout: 0.5 }, 'the name changed');
  t.same(cache.absent(era, 1, 'g'), { ino: 0, entryTimeout: 0.5 });
  t.same(cache.absent(era, 1, 'h'), { ino: 0, entryTimeout: 50 });
  const later = cache.era();
  t.equal(cache.seconds(later, 7), 50, 'asked for after the change: for long');
  t.equal(nodes.size, 1);
});

t.test('past the invalidations it remembers, every older answer is brief', async (t) => {
  const { cache } = setup({ recentChanges: 2 });
  const era = cache.era();
  void cache.changed({ kind: 'inode', ino: 1 });
  void cache.changed({ kind: 'inode', ino: 2 });
  t.equal(cache.seconds(era, 9), 50, 'within what is remembered: 9 did not change');
  void cache.changed({ kind: 'inode', ino: 3 });
  t.equal(cache.seconds(era, 9), 0.5, 'the oldest forgotten: 9 might have been it');
  const e2 = cache.era();
  void cache.changed({ kind: 'inode', ino: 4 });
  t.equal(cache.seconds(e2, 9), 50);
});

t.test('invalidations reach the kernel for what it knows, without waiting for them', async (t) => {
  const { cache, nodes, names, sent } = setup();
  nodes.entered({ attr: attr(5), ticket: 't5' });
  names.resolved(1, 'f', 5);
  void cache.changed({ kind: 'inode', ino: 5 });
  void cache.changed({ kind: 'inode', ino: 6 });
  void cache.changed({ kind: 'entry', parent: 1, name: 'f' });
  void cache.changed({ kind: 'entry', parent: 6, name: 'x' });
  t.same(sent, ['inode 5 0', 'entry 1/f'], 'not for an inode or a directory the kernel was never given');
  t.same(names.counts, [0, 0], 'a name taken back is no longer tracked');
  t.same(cache.stats(), { channelUp: true, heard: 4, sentInodes: 1, sentEntries: 1, breaks: 0, knownAbsent: 0 });
});

t.test('a broken channel takes back every name and inode the kernel may hold, once', async (t) => {
  const { cache, nodes, names, sent } = setup();
  nodes.entered({ attr: attr(5), ticket: 't5' });
  names.resolved(1, 'f', 5);
  t.same(cache.absent(cache.era(), 1, 'missing'), { ino: 0, entryTimeout: 50 });
  cache.channel(false);
  cache.channel(false);
  t.same(sent.sort(), ['entry 1/f', 'entry 1/missing', 'inode 1 0', 'inode 5 0']);
  t.same(names.counts, [0, 0]);
  t.equal(cache.stats().breaks, 1);
  t.same(cache.absent(cache.era(), 1, 'other'), { ino: 0, entryTimeout: 0.5 }, 'not tracked while down: brief');
  t.same(names.counts, [0, 0]);
});

t.test('a notification the kernel refuses is logged, unless the session has ended', async (t) => {
  const ended = setup({ fail: new DfsError('ENOTCONN', 'ended') });
  await ended.cache.changed({ kind: 'inode', ino: 1 });
  const broken = setup({ fail: new DfsError('EIO', 'odd') });
  await broken.cache.changed({ kind: 'inode', ino: 1 });
  await new Promise((res) => setImmediate(res));
  t.same(ended.logged, []);
  t.match(broken.logged, [/could not invalidate the kernel's cache of inode 1: EIO: odd/]);
});

t.test('absent names are tracked up to a bound; past it, and until old ones expire, they are cached briefly', async (t) => {
  const { cache, names, advance } = setup({ maxAbsent: 2 });
  t.equal(cache.absent(cache.era(), 1, 'a').entryTimeout, 50);
  t.equal(cache.absent(cache.era(), 1, 'b').entryTimeout, 50);
  t.equal(cache.absent(cache.era(), 1, 'c').entryTimeout, 0.5, 'no room: brief, not tracked');
  t.same(names.counts, [0, 2]);
  advance(51_000);
  t.equal(cache.absent(cache.era(), 1, 'c').entryTimeout, 50, 'the expired ones made room');
  t.same(names.counts, [0, 1]);
});

t.test('names follow renames, exchanges and forgotten inodes', async (t) => {
  const names = new KernelNames(10);
  names.resolved(1, 'a', 5);
  names.resolved(1, 'b', 6);
  names.resolved(6, 'inner', 7);
  names.absentFor(6, 'nothing', 50);
  names.renamed(1, 'a', 1, 'c');
  names.exchanged(1, 'c', 1, 'b');
  names.renamed(1, 'unknown', 1, 'b'); // a name never answered: the target's entry goes
  t.same(names.counts, [2, 1], 'c is 6 after the exchange, and inner and nothing under 6');
  names.resolved(1, 'b', 6);
  names.resolved(1, 'keep', 5);
  names.forgotten(6); // its names, and everything under it
  t.same(names.takeAll(), [{ parent: 1, name: 'keep' }]);
  names.resolved(1, 'x', 5);
  names.resolved(1, 'x', 8); // the name now names another inode
  names.forgotten(5);
  t.same(names.takeAll(), [{ parent: 1, name: 'x' }]);
});

t.test('the node table: the root is inode 1 and stays; lookups counted per inode; an unknown node is ESTALE', async (t) => {
  t.throws(() => new NodeTable({ attr: attr(2, 'dir'), ticket: 'x' }), { code: 'EIO' });
  const nodes = new NodeTable({ attr: attr(1, 'dir'), ticket: 'root' });
  nodes.entered({ attr: attr(5), ticket: 'old' });
  nodes.entered({ attr: attr(5), ticket: 'new' });
  t.same(nodes.ref(5), { ino: 5, ticket: 'new' });
  t.equal(nodes.lookupsOf(5), 2);
  t.notOk(nodes.forget(5, 1));
  t.ok(nodes.forget(5, 1), 'given back whole: forgotten');
  t.throws(() => nodes.ref(5), { code: 'ESTALE' });
  t.notOk(nodes.forget(1, 1));
  t.notOk(nodes.forget(42, 1));
  t.same(nodes.ref(1), { ino: 1, ticket: 'root' });
  t.same([...nodes.inodes()], [1]);
});

t.test('a directory made here answers its absent names itself, until anything says otherwise', async (t) => {
  const { cache, advance } = setup();
  cache.madeDir(cache.era(), 7, 0o40755);
  t.same(cache.knownAbsent(7, 'new'), { ino: 0, entryTimeout: 50 }, 'empty when made: absent, for the lease');
  cache.named(7, 'new', true);
  t.equal(cache.knownAbsent(7, 'new'), undefined, 'a name made here is no longer absent: the master is asked');
  t.equal(cache.knownAbsent(7, '.'), undefined);
  t.equal(cache.knownAbsent(7, 'x'.repeat(256)), undefined, 'a name past NAME_MAX is for the master to refuse (pjdfstest chmod/02.t)');
  cache.named(7, 'new', false);
  advance(10_000);
  t.same(cache.knownAbsent(7, 'new'), { ino: 0, entryTimeout: 40 }, 'removed here: absent again, for what is left of the lease');
  t.equal(cache.stats().knownAbsent, 2);
  advance(20_000);
  t.equal(cache.knownAbsent(7, 'other'), undefined, 'past half the lease the master is asked again');

  cache.madeDir(cache.era(), 8, 0o40755);
  void cache.changed({ kind: 'entry', parent: 8, name: 'elsewhere' });
  t.equal(cache.knownAbsent(8, 'x'), undefined, 'a name added elsewhere drops what was known');
  cache.madeDir(cache.era(), 9, 0o40755);
  void cache.changed({ kind: 'inode', ino: 9 });
  t.equal(cache.knownAbsent(9, 'x'), undefined, 'so does a change to the directory itself');
  cache.madeDir(cache.era(), 10, 0o40755);
  cache.unlist(10);
  t.equal(cache.knownAbsent(10, 'x'), undefined, 'and a change of its mode made here');
  cache.madeDir(cache.era(), 11, 0o40700);
  t.equal(cache.knownAbsent(11, 'x'), undefined, 'one that not everyone may search is never known');
  cache.madeDir(cache.era(), 12, 0o40755);
  cache.channel(false);
  cache.channel(true);
  t.equal(cache.knownAbsent(12, 'x'), undefined, 'nor is anything once the channel broke');
  const before = cache.era();
  cache.channel(false);
  cache.madeDir(before, 13, 0o40755);
  cache.channel(true);
  t.equal(cache.knownAbsent(13, 'x'), undefined, 'nor a directory made while it was down');
});
