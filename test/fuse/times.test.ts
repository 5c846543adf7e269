// File times through a real mount: touch -m / -a / -d, which rely on the modification time
// reaching the file system (dfs's patched fuse-native addon), and the refusal to mount with
// the upstream addon, which loses it.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { utimeArg } from '../../src/fuse/binding.js';
import { ROOT, spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, mount, mountedCluster, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

/** atime and mtime of each path, in whole seconds. */
async function times(cwd: string, ...paths: string[]): Promise<[number, number][]> {
  const r = await sh(`stat -c '%X %Y' ${paths.join(' ')}`, { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]);
}

const utc = (s: string): number => Date.parse(`${s}Z`) / 1000;

t.test('the patched addon\'s time kinds: a time, UTIME_NOW, UTIME_OMIT', async (t) => {
  t.equal(utimeArg(-315619199500, 0, 5), -315619199500, 'a time before 1970 as it is');
  t.equal(utimeArg(0, 1, 5), 5, 'UTIME_NOW is the time of the call');
  t.equal(utimeArg(0, 2, 5), undefined, 'UTIME_OMIT leaves the time alone');
  t.throws(() => utimeArg(0, 3, 5), { code: 'EINVAL' });
});

t.test('touch -m, touch -a and touch -d set the times asked for and leave the other alone', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t, { nodes: 1 });
  let r = await mnt.sh("echo x > f && touch -d '2010-01-01 00:00:00 UTC' f");
  t.equal(r.code, 0, r.stderr);
  t.same(await times(mnt.dir, 'f'), [[utc('2010-01-01T00:00:00'), utc('2010-01-01T00:00:00')]], 'touch -d sets both');

  r = await mnt.sh("touch -m -d '2001-02-03 04:05:06 UTC' f");
  t.equal(r.code, 0, r.stderr);
  t.same(await times(mnt.dir, 'f'), [[utc('2010-01-01T00:00:00'), utc('2001-02-03T04:05:06')]], 'touch -m -d sets mtime only');

  r = await mnt.sh("touch -a -d '2005-06-07 08:09:10 UTC' f");
  t.equal(r.code, 0, r.stderr);
  t.same(await times(mnt.dir, 'f'), [[utc('2005-06-07T08:09:10'), utc('2001-02-03T04:05:06')]], 'touch -a -d sets atime only');

  // UTIME_NOW for one time, UTIME_OMIT for the other
  r = await mnt.sh('touch -m f');
  t.equal(r.code, 0, r.stderr);
  let [[atime, mtime]] = await times(mnt.dir, 'f');
  t.equal(atime, utc('2005-06-07T08:09:10'), 'touch -m leaves atime alone');
  t.ok(Math.abs(mtime - Date.now() / 1000) < 60, `touch -m sets mtime to now (${mtime})`);
  r = await mnt.sh("touch -m -d '2001-02-03 04:05:06 UTC' f && touch -a f");
  t.equal(r.code, 0, r.stderr);
  [[atime, mtime]] = await times(mnt.dir, 'f');
  t.ok(Math.abs(atime - Date.now() / 1000) < 60, `touch -a sets atime to now (${atime})`);
  t.equal(mtime, utc('2001-02-03T04:05:06'), 'touch -a leaves mtime alone');

  // the local time zone form, as a person types it
  r = await mnt.sh("TZ=UTC touch -m -d '2001-02-03 04:05:06' g && stat -c %Y g");
  t.equal(r.stdout.trim(), String(utc('2001-02-03T04:05:06')), r.stderr);
});

t.test('dfs mount refuses the upstream addon, which loses modification times', { skip: skip ?? (process.arch === 'x64' && process.platform === 'linux' ? undefined : 'the upstream prebuild is for linux-x64 only') }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  // node-gyp-build takes FUSE_NATIVE_PREBUILD as fuse-native's directory: one that holds
  // only the upstream prebuild makes fuse-native load that
  const upstream = tempDir(t, 'dfs-upstream-addon-');
  fs.mkdirSync(path.join(upstream, 'prebuilds', 'linux-x64'), { recursive: true });
  fs.copyFileSync(
    path.join(ROOT, 'node_modules', 'fuse-native', 'prebuilds', 'linux-x64', 'node.napi.node'),
    path.join(upstream, 'prebuilds', 'linux-x64', 'node.napi.node'),
  );
  const dir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
  await t.rejects(mount(t, cluster, { dir, env: { FUSE_NATIVE_PREBUILD: upstream } }), /fuse-native loads \S*node\.napi\.node, not dfs's patched build[^]*ENOSYS/);
  t.notOk(isMounted(dir), 'nothing was mounted');
});
