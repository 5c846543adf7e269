// Lookup counts and FORGET on the by-inode layer: every entry handed to the kernel (lookup,
// create, mkdir, link, each readdirplus entry) is one lookup it holds, and FORGET gives them
// back; when the kernel drops its caches the layer's table empties to the root, and the
// files are reached again by name with the tickets the backend checks.
import fs from 'node:fs';
import t, { type Test } from 'tap';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountInodeFs, stats, type InodeMount } from '../helpers/inode-mount.js';

// the kernel forgets inodes when told to drop its caches, which a container's read-only /proc/sys forbids
const skip = fuseUnavailable() || cannotDropCaches();

function cannotDropCaches(): string | false {
  try {
    fs.accessSync('/proc/sys/vm/drop_caches', fs.constants.W_OK);
    return false;
  } catch (err) {
    return `the kernel's caches cannot be dropped here (/proc/sys/vm/drop_caches: ${(err as NodeJS.ErrnoException).code})`;
  }
}
const LONG = { cache: { leased: 600 } };

/** The kernel's dentries and inodes (not the page cache): every unused FUSE inode is forgotten. */
function dropKernelCaches(): void {
  fs.writeFileSync('/proc/sys/vm/drop_caches', '2');
}

async function until(t: Test, what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    if (i % 10 === 9) dropKernelCaches(); // an inode evicted late (its dentry was in use a moment ago)
    await new Promise((res) => setTimeout(res, 100));
  }
  t.fail(`timed out waiting until ${what}`);
}

const lookups = async (m: InodeMount, path: string): Promise<number> => (await m.ask<{ lookups: number }>({ cmd: 'node', path })).lookups;

t.test('lookups are counted per inode, hard links included, and FORGET gives them back', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const r = await sh('mkdir d && echo x > d/a && ln d/a d/b && stat d/a d/b >/dev/null && echo y > c && stat c >/dev/null', { cwd: m.dir });
  t.equal(r.code, 0, r.stderr);
  t.equal(await lookups(m, '/d/a'), 2, 'two names, one inode: the kernel holds a lookup through each');
  t.equal(await lookups(m, '/c'), 1);
  t.equal((await stats(m)).fs.nodes, 4, 'the root, d, a (= b) and c');

  dropKernelCaches();
  await until(t, 'the kernel forgets everything but the root', async () => (await stats(m)).fs.nodes === 1);
  const s = await stats(m);
  t.same(s.fs.names, { resolved: 0, absent: 0 }, 'the names the kernel might cache went with their inodes');
  t.equal(await lookups(m, '/d/a'), 0);

  // reached again by name: new lookups, with the tickets the backend checks
  const again = await sh('cat d/b c && stat -c %h d/a', { cwd: m.dir });
  t.equal(again.stdout, 'x\ny\n2\n', again.stderr);
  t.ok((await lookups(m, '/d/a')) >= 1);
});

t.test('each readdirplus entry is a lookup the kernel holds, given back by FORGET', { skip }, async (t) => {
  const m = await mountInodeFs(t, { ...LONG, pageSize: 20 });
  await m.ask({ cmd: 'remote', change: { op: 'mkdir', path: '/big' } });
  await m.ask({ cmd: 'remote', change: { op: 'files', dir: '/big', prefix: 'f', count: 100 } });
  // ls -l: readdirplus gives the kernel every inode; the stats are answered from what it gave
  const r = await sh('ls -l big | wc -l && stat -c %s big/f1 big/f99', { cwd: m.dir });
  t.equal(r.stdout, '101\n0\n0\n', r.stderr);
  const s = await stats(m);
  t.equal(s.fs.nodes, 102, 'the root, big and its 100 files');
  t.equal(s.calls.lookup ?? 0, 1, 'only big itself was looked up; its entries came with the listing');
  t.equal(await lookups(m, '/big/f50'), 1);
  dropKernelCaches();
  await until(t, 'the kernel forgets the listed inodes', async () => (await stats(m)).fs.nodes === 1);
  t.pass('FORGET gave back exactly what readdirplus handed out');
});

t.test('an open file keeps its inode in the kernel through a drop of its caches', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  await sh('echo kept > f', { cwd: m.dir });
  // a reader that holds the file open across the drop, then reads it
  const held = sh('exec 3<f; sleep 1.5; cat <&3', { cwd: m.dir });
  await new Promise((res) => setTimeout(res, 300));
  dropKernelCaches();
  t.ok((await lookups(m, '/f')) >= 1, 'the open inode is not forgotten');
  t.equal((await held).stdout, 'kept\n');
});
