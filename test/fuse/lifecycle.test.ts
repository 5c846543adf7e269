// The daemon's life: clean unmount on signals and `dfs umount`, a stale mount cleared,
// a second mount refused, giving up when the master is gone, and `dfs up --mount`.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DFS_BIN, spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('SIGINT and SIGTERM unmount cleanly; the data stays in the cluster', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const dir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
  const first = await mount(t, cluster, { dir });
  t.equal((await first.sh('echo kept > f')).code, 0);
  t.equal(await first.unmount('SIGINT'), 0, 'exit code 0 on SIGINT');
  t.notOk(isMounted(dir), 'unmounted');
  const second = await mount(t, cluster, { dir });
  t.equal((await second.sh('cat f')).stdout, 'kept\n');
  t.equal(await second.unmount('SIGTERM'), 0, 'exit code 0 on SIGTERM');
  t.notOk(isMounted(dir));
});

t.test('a mount left by a killed daemon is cleared by the next mount', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const dir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
  const first = await mount(t, cluster, { dir });
  t.equal((await first.sh('echo survived > f')).code, 0);
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  t.ok(isMounted(dir), 'the dead mount is still there');
  const stale = await sh(`stat ${dir}`);
  t.match(stale.stderr, /Transport endpoint is not connected/);
  const second = await mount(t, cluster, { dir });
  t.match(second.stderr(), /stale mount/);
  t.equal((await second.sh('cat f')).stdout, 'survived\n');
});

t.test('a live mount is not mounted over; dfs umount stops its daemon', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const m = await mount(t, cluster);
  const again = await cluster.dfs(['mount', m.dir, '--master', cluster.url]);
  t.equal(again.code, 1);
  t.match(again.stderr, /already mounted/);
  const full = tempDir(t, 'dfs-full-');
  fs.writeFileSync(path.join(full, 'x'), 'x');
  const over = await cluster.dfs(['mount', full, '--master', cluster.url]);
  t.equal(over.code, 1);
  t.match(over.stderr, /mount point is not empty/);
  const busy = await sh(`exec 3<${m.dir}/. ; cd ${m.dir} && ${DFS_BIN} umount ${m.dir}`, { env: { ...cluster.env, DFS_NODE: process.execPath } });
  t.not(busy.code, 0, 'a busy mount is not unmounted without --lazy');
  t.match(busy.stderr, /busy/);
  const r = await cluster.dfs(['umount', m.dir]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `unmounted: ${m.dir}\n`);
  await until('the daemon exits', () => m.proc.exitCode !== null);
  t.equal(m.proc.exitCode, 0);
  t.notOk(isMounted(m.dir));
});

t.test('the daemon unmounts when the master is gone for good', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const m = await mount(t, cluster, { args: ['--give-up-after', '2'] });
  t.equal((await m.sh('echo x > f')).code, 0);
  await cluster.stop();
  await until('the daemon exits', () => m.proc.exitCode !== null);
  t.equal(m.proc.exitCode, 1);
  t.notOk(isMounted(m.dir));
  t.match(m.stderr(), /unreachable/);
});

t.test('dfs up --mount mounts the cluster and unmounts it on SIGTERM', { skip }, async (t) => {
  // the mount point does not exist yet: the one command makes it
  const dir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
  const cluster = await spawnCluster(t, { args: ['--memory', '--mount', dir] });
  t.teardown(() => (isMounted(dir) ? sh(`fusermount -uz ${dir}`) : undefined));
  await until('the mount is up', () => isMounted(dir));
  await until('the mount answers', () => fs.existsSync(path.join(dir, '.')) && fs.statSync(dir).ino === 1);
  const r = await sh('echo via-up > f && cat f && stat -f -c %T .', { cwd: dir });
  t.equal(r.stdout, 'via-up\nfuseblk\n', r.stderr);
  t.equal(await cluster.stop('SIGTERM'), 0);
  t.notOk(isMounted(dir), 'unmounted with the cluster');
});
