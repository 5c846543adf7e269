// Cache invalidations from the file system to the kernel on the low-level binding: each
// one makes the kernel ask again, and one sent while a request that holds the lock it needs
// is still unanswered waits for that answer, without stopping the file system from
// answering anything (the notification thread; native-notes/lowlevel.md).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountMemFs, type MemMount } from '../helpers/lowlevel-mount.js';

const skip = fuseUnavailable();
const ROOT = 1;

async function calls(m: MemMount): Promise<Record<string, number>> {
  return (await m.ask<{ calls: Record<string, number> }>({ cmd: 'stats' })).calls;
}

async function ino(m: MemMount, name: string): Promise<number> {
  return (await m.ask<{ ino: number }>({ cmd: 'ino', name })).ino;
}

/** Whether `p` is still unsettled after `ms`. */
async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  const tick = Symbol('pending');
  return (
    (await Promise.race([
      p.then(
        () => undefined,
        () => undefined,
      ),
      new Promise((r) => setTimeout(() => r(tick), ms)),
    ])) === tick
  );
}

t.test('inval_entry, inval_inode and delete make the kernel ask again for what it cached', { skip }, async (t) => {
  // long timeouts: without a notification the kernel would not ask again for minutes
  const m = await mountMemFs(t, { fs: { entryTimeout: 600, attrTimeout: 600, keepCache: true } });
  fs.writeFileSync(path.join(m.dir, 'f'), 'cached\n');
  const f = await ino(m, 'f');
  // (a read makes the kernel drop its cached atime, and the next stat asks once)
  await sh('stat f >/dev/null; cat f >/dev/null; stat f >/dev/null', { cwd: m.dir });
  const c0 = await calls(m);
  await sh('stat f >/dev/null; stat f >/dev/null; cat f >/dev/null; cat f >/dev/null', { cwd: m.dir });
  const c1 = await calls(m);
  t.same([c1.lookup, c1.getattr, c1.read], [c0.lookup, c0.getattr, c0.read], "all answered from the kernel's caches");

  t.equal((await m.ask<{ result: boolean }>({ cmd: 'invalInode', ino: f, offset: -1 })).result, true, 'the kernel had the inode');
  await sh('stat f >/dev/null; cat f >/dev/null', { cwd: m.dir });
  const c2 = await calls(m);
  t.equal(c2.getattr, c1.getattr + 1, 'inval_inode of the attributes: getattr again');
  t.equal(c2.read, c1.read, 'and the cached data stays');

  await m.ask({ cmd: 'invalInode', ino: f });
  await sh('cat f >/dev/null', { cwd: m.dir });
  t.equal((await calls(m)).read, c2.read + 1, 'inval_inode of the data: read again');

  const c3 = await calls(m);
  t.equal((await m.ask<{ result: boolean }>({ cmd: 'invalEntry', parent: ROOT, name: 'f' })).result, true, 'the kernel had the entry');
  await sh('stat f >/dev/null', { cwd: m.dir });
  t.equal((await calls(m)).lookup, c3.lookup + 1, 'inval_entry: the name is looked up again');

  const c4 = await calls(m);
  t.equal((await m.ask<{ result: boolean }>({ cmd: 'delete', parent: ROOT, child: f, name: 'f' })).result, true);
  await sh('stat f >/dev/null', { cwd: m.dir });
  t.equal((await calls(m)).lookup, c4.lookup + 1, 'delete: the name is looked up again');

  t.equal((await m.ask<{ result: boolean }>({ cmd: 'invalEntry', parent: ROOT, name: 'never-seen' })).result, false, 'nothing cached: false');
  await t.rejects(m.ask({ cmd: 'invalEntry', parent: ROOT, name: 'a/b' }), { code: 'EINVAL' });
  await t.rejects(m.ask({ cmd: 'invalInode', ino: 0 }), { code: 'EINVAL' });
});

t.test('inval_entry while a mkdir in the same directory waits for its answer: the notification waits, nothing else does', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 600, attrTimeout: 600 } });
  fs.mkdirSync(path.join(m.dir, 'sub'));
  fs.writeFileSync(path.join(m.dir, 'sub', 'file'), 'served\n');
  fs.writeFileSync(path.join(m.dir, 'x'), '');
  await m.ask({ cmd: 'hold', key: 'mkdir:held' });
  // the kernel holds the root directory's lock until the file system answers this mkdir
  const mkdir = sh('mkdir held', { cwd: m.dir });
  await m.event('held', (e) => e.key === 'mkdir:held');
  // the kernel handles it inside write(2), and needs that lock first
  const notified = m.ask<{ result: boolean }>({ cmd: 'invalEntry', parent: ROOT, name: 'x' });
  t.ok(await stillPending(notified, 300), 'the notification waits in the kernel behind the mkdir');
  // the file system goes on answering meanwhile
  const other = await sh('cat sub/file; ls sub', { cwd: m.dir });
  t.equal(other.stdout, 'served\nfile\n', 'other requests are answered while the notification waits');
  await m.ask({ cmd: 'release', key: 'mkdir:held' });
  t.equal((await mkdir).code, 0, 'the mkdir completes');
  t.equal((await notified).result, true, 'and then the notification goes through');
});

t.test('inval_inode while a read of that file waits for its answer: the notification waits, nothing else does', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 600, attrTimeout: 600 } });
  fs.writeFileSync(path.join(m.dir, 'f'), 'slow data\n');
  fs.writeFileSync(path.join(m.dir, 'g'), 'fast data\n');
  const f = await ino(m, 'f');
  await m.ask({ cmd: 'hold', key: 'read:f' });
  // the kernel keeps the page locked until the file system answers the read
  const reader = sh('cat f', { cwd: m.dir });
  await m.event('held', (e) => e.key === 'read:f');
  const notified = m.ask<{ result: boolean }>({ cmd: 'invalInode', ino: f });
  t.ok(await stillPending(notified, 300), 'the notification waits in the kernel behind the read');
  t.equal((await sh('cat g', { cwd: m.dir })).stdout, 'fast data\n', 'other requests are answered meanwhile');
  await m.ask({ cmd: 'release', key: 'read:f' });
  t.equal((await reader).stdout, 'slow data\n');
  t.equal((await notified).result, true);
});
