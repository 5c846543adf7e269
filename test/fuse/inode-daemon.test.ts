// The mount daemon on the low-level binding (src/fuse/inode-daemon.ts), around the mount:
// the mount point made ready (created when missing, refused when not an empty directory, a
// dead mount on it cleared, a live one left alone), stopping by itself when unmounted (also
// lazily, with a file still open) or when the master has been unreachable too long, open
// files flushed on the way out, owners shown and set through the id map, allow_other, and
// the --trace log.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, mount, sh } from '../helpers/mount.js';
import { mountInodeFs, stats } from '../helpers/inode-mount.js';

const skip = fuseUnavailable();
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));
const exitOf = (proc: { once(e: 'exit', f: (code: number | null) => void): unknown }): Promise<number | null> => new Promise((resolve) => proc.once('exit', resolve));

t.test('the mount point: created when missing; refused when a file or not empty; a live mount left alone', { skip }, async (t) => {
  const base = tempDir(t, 'dfs-inode-mp-');
  const missing = path.join(base, 'new', 'mnt');
  const m = await mountInodeFs(t, {}, { dir: missing, create: false });
  t.match(m.stderr(), /created the mount point/);
  t.ok(isMounted(missing));
  await t.rejects(mountInodeFs(t, {}, { dir: missing, create: false }), /"code":"EBUSY"/, 'a live mount is not taken over');

  const file = path.join(base, 'file');
  fs.writeFileSync(file, '');
  await t.rejects(mountInodeFs(t, {}, { dir: file, create: false }), /"code":"ENOTDIR"/);
  const full = path.join(base, 'full');
  fs.mkdirSync(full);
  fs.writeFileSync(path.join(full, 'x'), '');
  await t.rejects(mountInodeFs(t, {}, { dir: full, create: false }), /"code":"ENOTEMPTY"/);
});

t.test('a mount whose daemon was killed is cleared by the next one', { skip }, async (t) => {
  const first = await mountInodeFs(t);
  first.proc.kill('SIGKILL');
  await exitOf(first.proc);
  t.ok(isMounted(first.dir), 'the dead mount stays');
  const second = await mountInodeFs(t, {}, { dir: first.dir, create: false });
  t.match(second.stderr(), /clearing a stale mount/);
  t.equal((await sh('echo ok > f && cat f', { cwd: second.dir })).stdout, 'ok\n');
});

t.test('unmounted by someone else, also lazily with a file open: the daemon stops by itself', { skip }, async (t) => {
  const m = await mountInodeFs(t);
  const exited = exitOf(m.proc);
  await sh(`fusermount -u ${m.dir}`);
  t.match(await m.event('stopped'), { reason: 'the mount was unmounted', failed: false });
  t.equal(await exited, 0);

  const lazy = await mountInodeFs(t);
  const lazyExit = exitOf(lazy.proc);
  const holder = sh('exec 3<f; sleep 3', { cwd: lazy.dir });
  await sh('echo x > f', { cwd: lazy.dir });
  await sleep(200);
  await sh(`umount -l ${lazy.dir}`);
  t.match(await lazy.event('stopped', undefined, 10_000), { reason: 'the mount was unmounted' });
  t.equal(await lazyExit, 0);
  await holder;
});

t.test('the master unreachable for the give-up time: the daemon unmounts and fails', { skip }, async (t) => {
  const m = await mountInodeFs(t, { masterGoneMs: 1500 });
  const exited = exitOf(m.proc);
  await m.ask({ cmd: 'channel', up: false });
  await sleep(500);
  await m.ask({ cmd: 'channel', up: true }); // back in time: the count starts again
  await sleep(1500);
  t.ok(isMounted(m.dir), 'a short break does not end the mount');
  await m.ask({ cmd: 'channel', up: false });
  t.match(await m.event('stopped', undefined, 10_000), { reason: /has been unreachable for 2 s/, failed: true });
  t.equal(await exited, 1);
  t.notOk(isMounted(m.dir));
});

t.test('on the way out, open files are flushed', { skip }, async (t) => {
  const m = await mountInodeFs(t);
  const writer = sh(
    `python3 -c "
import os, time
fd = os.open('f', os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b'unflushed')
time.sleep(5)"`,
    { cwd: m.dir },
  );
  for (let i = 0; i < 50 && (await stats(m)).fs.openFiles === 0; i++) await sleep(50);
  const before = (await stats(m)).published;
  m.proc.kill('SIGTERM');
  const stopped = await m.event('stopped');
  t.equal(stopped.published, before + 1, 'the open file was flushed before the unmount');
  await writer;
});

t.test('owners through the id map: shown as local ids, chown turned back into dfs ids', { skip }, async (t) => {
  const m = await mountInodeFs(t, {
    owner: { uid: 2000, gid: 2000 },
    ids: {
      mode: 'name',
      users: [{ name: 'alice', uid: 2000, gid: 2000 }],
      groups: [{ name: 'staff', gid: 3000 }],
      passwd: 'alice:x:1500:1500::/:/bin/sh\n',
      group: 'alice:x:1500:\nstaff:x:1600:\n',
    },
  });
  const r = await sh('touch f && stat -c "%u %g" f && chown 1500:1600 f && stat -c "%u %g" f; chown 4242 f 2>&1', { cwd: m.dir });
  t.equal(r.stdout, "1500 1500\n1500 1600\nchown: changing ownership of 'f': Invalid argument\n");
  t.match(await m.ask({ cmd: 'node', path: '/f' }), { uid: 2000, gid: 3000 }, 'in dfs ids at the backend');
});

t.test('other local users only with allow_other', { skip }, async (t) => {
  const as = 'setpriv --reuid=1234 --regid=1234 --clear-groups';
  // the way to the mount point must be open to that user: only the mount may refuse
  const base = tempDir(t, 'dfs-inode-other-');
  fs.chmodSync(base, 0o755);
  const closed = await mountInodeFs(t, {}, { dir: path.join(base, 'closed') });
  await sh('touch f', { cwd: closed.dir });
  t.equal((await sh(`${as} ls ${base}`)).stdout, 'closed\n', 'the user reaches the mount point');
  const refused = await sh(`${as} ls ${closed.dir} 2>&1`);
  t.match(refused.stdout, /Permission denied/);
  const open = await mountInodeFs(t, { allowOther: true }, { dir: path.join(base, 'open') });
  await sh('touch f', { cwd: open.dir });
  t.equal((await sh(`${as} ls ${open.dir}`)).stdout, 'f\n');
});

t.test('--trace logs every operation with its outcome and time', { skip }, async (t) => {
  const m = await mountInodeFs(t, { trace: true });
  await sh(`echo x > f; touch "$(printf '%0256d' 0)" 2>/dev/null`, { cwd: m.dir });
  await sleep(100);
  t.match(m.stderr(), /fuse create ENAMETOOLONG \d+\.\d{3} ms/);
  t.match(m.stderr(), /fuse create ok \d+\.\d{3} ms/);
});

t.test('dfs mount --layer: inode by default, path for the older layer, anything else a usage error', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  await t.rejects(mount(t, cluster, { args: ['--layer', 'paths'] }), /--layer must be one of inode, path/);
  // the by-inode layer hands the kernel dfs's own inode numbers
  const byInode = await mount(t, cluster, { env: { DFS_MOUNT_LAYER: '' }, args: ['--layer', 'inode'] });
  await sh('mkdir -p d/e/f', { cwd: byInode.dir });
  const ino = (await sh('stat -c %i d/e/f', { cwd: byInode.dir })).stdout.trim();
  const fromMaster = (await runDfs(['stat', '/d/e/f', '--master', cluster.url], cluster.env)).stdout;
  t.match(fromMaster, new RegExp(`inode\\s+${ino}\\b`), 'the kernel sees dfs inode numbers');
});
