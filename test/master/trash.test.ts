// The trash: removing keeps a file or tree at the master until its time is up; it can be
// listed, restored and purged, by the right people only, and survives a master restart.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { DfsClient } from '../../src/client/client.js';
import { MetadataStore } from '../../src/master/persistence.js';
import { MasterState } from '../../src/master/state.js';
import { loadSnapshot, writeSnapshot } from '../../src/master/snapshot.js';
import { code, readAll, writeAll as write } from '../helpers/bytes.js';
import { localCluster, tempDir } from '../helpers/cluster.js';
import { dumpState } from '../helpers/master-state.js';
import { eventually } from '../helpers/split-cluster.js';

const held = (store: { ids(): Iterable<string> }): number => [...store.ids()].length;
const names = async (c: DfsClient, p: string): Promise<string[]> => (await c.readdir(p)).map((e) => e.name).sort();

t.test('a removed file goes into the trash, whole, and comes back', async (t) => {
  const { admin: c, stores } = await localCluster(t, { nodes: 1 });
  await c.mkdir('/docs', 0o755);
  await write(c, '/docs/report.txt', 'quarterly figures');
  const ino = (await c.getattr('/docs/report.txt')).ino;
  const before = held(stores[0]);
  t.ok(before > 0, 'the file has a block');

  await c.unlink('/docs/report.txt');
  t.equal(await code(c.getattr('/docs/report.txt')), 'ENOENT', 'gone from its directory, as unlink(2) says');
  t.same(await names(c, '/'), ['docs'], 'the root lists no trash');
  const { items } = await c.trashList();
  t.match(items, [{ id: ino, path: '/docs/report.txt', type: 'file', bytes: 17, files: 1, trashPath: `/.trash/${ino}-report.txt` }]);
  t.equal(held(stores[0]), before, 'its blocks stay where they were: the space is still used');
  t.equal((await readAll(c, items[0].trashPath)).toString(), 'quarterly figures', 'and it reads from the trash by path');
  t.same(await names(c, '/.trash'), [`${ino}-report.txt`], 'an admin lists the trash');

  t.equal(await c.trashRestore(String(ino)), '/docs/report.txt', 'restored where it was');
  t.equal((await readAll(c, '/docs/report.txt')).toString(), 'quarterly figures', 'with its bytes');
  t.equal((await c.getattr('/docs/report.txt')).ino, ino, 'the same file, not a copy');
  t.same((await c.trashList()).items, [], 'and the trash is empty again');
});

t.test('dfs rm -r puts a tree in the trash as one item; rm -rf in a mount (files, then the directory) comes back newest first', async (t) => {
  const { admin: c } = await localCluster(t, { nodes: 1 });
  await c.mkdir('/proj', 0o755);
  await c.mkdir('/proj/src', 0o755);
  await write(c, '/proj/src/a.ts', 'a');
  await write(c, '/proj/README', 'read me');

  t.equal(await code(c.remove('/proj')), 'EISDIR', 'a directory needs recursive');
  const id = await c.remove('/proj', { recursive: true });
  t.equal(await code(c.getattr('/proj')), 'ENOENT', 'the tree is gone');
  t.match((await c.trashList()).items, [{ id, path: '/proj', type: 'dir', files: 2, bytes: 8 }], 'one item for the whole tree');
  await c.trashRestore(String(id));
  t.same(await names(c, '/proj'), ['README', 'src'], 'restored whole');
  t.equal((await readAll(c, '/proj/src/a.ts')).toString(), 'a');

  // what the kernel sends for `rm -rf /mnt/proj`: every file, then each emptied directory
  await c.unlink('/proj/src/a.ts');
  await c.rmdir('/proj/src');
  await c.unlink('/proj/README');
  await c.rmdir('/proj');
  const items = (await c.trashList()).items;
  t.equal(items.length, 4, 'four items');
  t.equal(await code(c.trashRestore(String(items[0].id))), 'ENOENT', 'a file whose directory is in the trash too waits for it');
  for (const i of [...items].reverse()) await c.trashRestore(String(i.id));
  t.same(await names(c, '/proj'), ['README', 'src'], 'newest first brings the directories back before their files');
  t.same(await names(c, '/proj/src'), ['a.ts']);
});

t.test('restore: a taken name, --to, and a directory that is gone', async (t) => {
  const { admin: c } = await localCluster(t, { nodes: 1 });
  await write(c, '/f', 'one');
  const first = (await c.getattr('/f')).ino;
  await c.unlink('/f');
  await write(c, '/f', 'two');
  t.equal(await code(c.trashRestore(String(first))), 'EEXIST', 'the name is taken again: refused, nothing replaced');
  t.equal((await readAll(c, '/f')).toString(), 'two');
  await c.mkdir('/old', 0o755);
  t.equal(await c.trashRestore(String(first), '/old'), '/old/f', '--to a directory: into it');
  t.equal((await readAll(c, '/old/f')).toString(), 'one');
  await c.mkdir('/gone', 0o755);
  await write(c, '/gone/x', 'x');
  await c.unlink('/gone/x');
  await c.remove('/gone', { recursive: true, skipTrash: true });
  const x = (await c.trashList()).items.find((i) => i.path === '/gone/x')!;
  t.equal(await code(c.trashRestore(String(x.id))), 'ENOENT', 'its directory purged: it needs --to');
  t.equal(await c.trashRestore(`${x.id}-x`, '/x-again'), '/x-again', 'by its trash name, to a new name');
});

t.test("nothing new is made in the trash; an admin's mv out of it is a restore", async (t) => {
  const { admin: c } = await localCluster(t, { nodes: 1 });
  for (const p of ['/.trash', '/.trash/new']) {
    t.equal(await code(c.mkdir(p, 0o755)), 'EPERM', `mkdir ${p}: EPERM`);
    t.equal(await code(c.create(p, 0o644)), 'EPERM', `create ${p}: EPERM`);
  }
  await write(c, '/a', 'a');
  t.equal(await code(c.rename('/a', '/.trash/a')), 'EPERM', 'moving into the trash is not a way to trash');
  t.equal(await code(c.link('/a', '/.trash/a')), 'EPERM', 'nor linking');
  t.equal(await code(c.rmdir('/.trash')), 'ENOENT', '/.trash is no entry of the root to remove');
  const ino = (await c.getattr('/a')).ino;
  await c.unlink('/a');
  await c.rename(`/.trash/${ino}-a`, '/back');
  t.equal((await readAll(c, '/back')).toString(), 'a', 'mv out of the trash');
  t.same((await c.trashList()).items, [], 'forgets the item');
  await c.mkdir('/d', 0o755);
  await write(c, '/d/in', 'in');
  const d = await c.remove('/d', { recursive: true });
  t.equal(await code(c.create(`/.trash/${d}-d/more`, 0o644)), 'EPERM', 'nor inside a directory in the trash');
  await c.unlink(`/.trash/${d}-d/in`);
  t.same(
    (await c.trashList()).items.map((i) => i.path),
    ['/d'],
    'rm inside the trash removes for good, not into the trash again',
  );
  await c.rmdir(`/.trash/${d}-d`);
  t.same((await c.trashList()).items, [], 'and an admin empties the trash with rm');
});

t.test('other users: their own items only, and no listing of the trash directory', async (t) => {
  const cl = await localCluster(t, { nodes: 1 });
  await cl.admin.addUser('alice', 'alice-password');
  await cl.admin.addUser('bob', 'bob-password');
  const alice = await cl.client('alice', 'alice-password');
  const bob = await cl.client('bob', 'bob-password');
  await cl.admin.mkdir('/shared', 0o777);
  await write(alice, '/shared/secret-plan', 'plan', 0o600);
  const ino = (await alice.getattr('/shared/secret-plan')).ino;
  await alice.unlink('/shared/secret-plan');
  t.same((await bob.trashList()).items, [], "bob does not see alice's item");
  t.equal(await code(bob.trashRestore(String(ino))), 'ENOENT', 'nor restore it');
  t.equal(await code(bob.trashPurge(String(ino))), 'ENOENT', 'nor purge it');
  t.equal(await code(bob.readdir('/.trash')), 'EACCES', 'nor list the trash directory');
  t.equal(await code(readAll(bob, `/.trash/${ino}-secret-plan`)), 'EACCES', 'nor read it there: it keeps its mode');
  t.equal(await code(alice.unlink(`/.trash/${ino}-secret-plan`)), 'EACCES', 'alice purges with dfs trash purge, not rm in the trash');
  t.equal((await alice.trashList()).items.length, 1, 'alice sees hers');
  t.equal((await readAll(alice, `/.trash/${ino}-secret-plan`)).toString(), 'plan', 'and reads it by its path in the trash');
  t.equal(await alice.trashPurge('all'), 1, 'and purges it');
  t.equal((await cl.admin.trashList()).items.length, 0);
});

t.test("a hard link's other name, and a cluster without a trash, remove at once", async (t) => {
  const { admin: c } = await localCluster(t, { nodes: 1 });
  await write(c, '/f', 'f');
  await c.link('/f', '/g');
  await c.unlink('/g');
  t.same((await c.trashList()).items, [], 'the data is still reachable as /f: nothing to keep');
  const off = await localCluster(t, { nodes: 1, trashMs: 0 });
  await write(off.admin, '/f', 'f');
  await off.admin.unlink('/f');
  t.same((await off.admin.trashList()).items, [], 'trash off: removing removes');
  await eventually('the block is deleted', () => (held(off.stores[0]) === 0 ? true : undefined), 20_000);
});

t.test('the master purges items past their time, and their blocks go', async (t) => {
  const { admin: c, stores } = await localCluster(t, { nodes: 1, trashMs: 500, trashPurgeEveryMs: 100, heartbeatMs: 100 });
  await write(c, '/old', Buffer.alloc(10_000, 1));
  t.equal(held(stores[0]), 1);
  await c.unlink('/old');
  t.equal((await c.trashList()).items.length, 1, 'kept at first');
  await eventually('purged', async () => ((await c.trashList()).items.length === 0 ? true : undefined), 10_000);
  await eventually('its block deleted from the node', () => (held(stores[0]) === 0 ? true : undefined), 10_000);
  t.pass('purged and collected');
});

t.test('the trash survives a restart: journal replay and snapshot alike', async (t) => {
  const dataDir = path.join(tempDir(t), 'master');
  const first = await localCluster(t, { nodes: 1, dataDir });
  await write(first.admin, '/kept', 'kept');
  await first.admin.mkdir('/tree', 0o755);
  await write(first.admin, '/tree/leaf', 'leaf');
  await first.admin.unlink('/kept');
  await first.admin.remove('/tree', { recursive: true });
  const before = (await first.admin.trashList()).items;
  const snapshotted = new MasterState();
  const dumped = dumpState(first.master.state);
  // a snapshot of the state holds the trash as it is
  const file = path.join(tempDir(t), 'snap.dfs');
  const fd = fs.openSync(file, 'w');
  writeSnapshot(first.master.state, fd, 1);
  fs.closeSync(fd);
  loadSnapshot(file, snapshotted);
  t.same(dumpState(snapshotted), dumped, 'the snapshot loads to the same state, trash and all');
  // the journal as a crash would leave it (every mutation is fsync'd before it is answered)
  const crashed = tempDir(t);
  for (const f of fs.readdirSync(dataDir)) if (f.startsWith('journal-') || f.startsWith('snapshot-')) fs.copyFileSync(path.join(dataDir, f), path.join(crashed, f));
  const replayed = new MasterState();
  const { store } = await MetadataStore.open(crashed, replayed);
  await store.close();
  t.same(dumpState(replayed), dumped, 'replaying the journal gives the same state');
  await first.master.stop();
  for (const n of first.nodes) await n.stop();

  const again = await localCluster(t, { nodes: 1, dataDir });
  t.same((await again.admin.trashList()).items, before, 'the same items after a restart');
  await again.admin.trashRestore(String(before[1].id));
  t.equal((await again.admin.getattr('/tree/leaf')).size, 4, 'and they restore');
});
