// File times through a real mount: touch -m / -a / -d, cp -p and tar x, which rely on the
// modification time reaching the file system (dfs's patched fuse-native addon), and the
// refusal to mount with the upstream addon, which loses it.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { utimeArg } from '../../src/fuse/binding.js';
import { ROOT, spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, localDir, mount, mountedCluster, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

/** atime and mtime of each path, in whole seconds. */
async function times(cwd: string, ...paths: string[]): Promise<[number, number][]> {
  const r = await sh(`stat -c '%X %Y' ${paths.join(' ')}`, { cwd });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(' ').map(Number) as [number, number]);
}

const utc = (s: string): number => Date.parse(`${s}Z`) / 1000;

t.test("the patched addon's time kinds: a time, UTIME_NOW, UTIME_OMIT", async (t) => {
  t.equal(utimeArg(-315619199500, 0), -315619199500, 'a time before 1970 as it is');
  t.equal(utimeArg(0, 1), 'now', "UTIME_NOW is the master's now");
  t.equal(utimeArg(0, 2), undefined, 'UTIME_OMIT leaves the time alone');
  t.throws(() => utimeArg(0, 3), { code: 'EINVAL' });
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

t.test('times before 1970 are kept to the millisecond; before 1901 they are refused', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t, { nodes: 1 });
  let r = await mnt.sh("echo x > old && touch -d '1960-06-15 12:00:00 UTC' old && touch -m -d '1969-12-31 23:59:59.5 UTC' old");
  t.equal(r.code, 0, r.stderr);
  const st = fs.statSync(path.join(mnt.dir, 'old'));
  t.equal(st.atimeMs, Date.parse('1960-06-15T12:00:00Z'), 'atime in 1960');
  t.equal(st.mtimeMs, -500, 'mtime half a second before 1970');
  r = await mnt.sh('TZ=UTC ls -l --time-style=+%Y-%m-%dT%H:%M:%S old');
  t.match(r.stdout, /1969-12-31T23:59:59 old/, 'as ls shows it');
  r = await mnt.sh("touch -d '1800-01-01 00:00:00 UTC' old");
  t.not(r.code, 0, 'a time before 1901-12-13 is refused');
  t.match(r.stderr, /Invalid argument/);
});

t.test('cp -p and tar x keep modification times', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t, { nodes: 1 });
  const local = localDir(t);
  let r = await sh(
    [
      'mkdir -p tree/sub/deeper',
      'echo a > tree/a',
      'echo b > tree/sub/b',
      'head -c 70000 /dev/urandom > tree/sub/deeper/c',
      "touch -a -d '2003-03-03 03:03:03 UTC' tree/a",
      "touch -m -d '2004-04-04 04:04:04 UTC' tree/a",
      "touch -d '2006-06-06 06:06:06 UTC' tree/sub/b",
      "touch -m -d '1999-12-31 23:59:59 UTC' tree/sub/deeper/c",
      // directories last: creating the files above changed their mtimes
      "touch -m -d '2007-07-07 07:07:07 UTC' tree/sub/deeper",
      "touch -m -d '2008-08-08 08:08:08 UTC' tree/sub",
      "touch -m -d '2009-09-09 09:09:09 UTC' tree",
    ].join(' && '),
    { cwd: local },
  );
  t.equal(r.code, 0, r.stderr);

  r = await sh(`cp -p ${local}/tree/a ${mnt.dir}/a`);
  t.equal(r.code, 0, r.stderr);
  t.same(await times(mnt.dir, 'a'), [[utc('2003-03-03T03:03:03'), utc('2004-04-04T04:04:04')]], 'cp -p keeps atime and mtime');

  r = await sh(`tar -C ${local} -cf - tree | tar -C ${mnt.dir} -xf -`);
  t.equal(r.code, 0, r.stderr);
  const listing = async (dir: string): Promise<string> => {
    const l = await sh("find tree -printf '%p %TY-%Tm-%Td %TT\\n' | sort", { cwd: dir, env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
    if (l.code !== 0) throw new Error(l.stderr);
    return l.stdout.replace(/\.\d+/g, ''); // whole seconds: dfs keeps milliseconds, tar whole seconds
  };
  const want = await listing(local);
  t.match(want, /tree\/sub\/deeper\/c 1999-12-31 23:59:59/);
  t.equal(await listing(mnt.dir), want, 'tar x gives every file and directory the mtime in the archive');
});

t.test(
  'dfs mount refuses the upstream addon, which loses modification times',
  { skip: skip ?? (process.arch === 'x64' && process.platform === 'linux' ? undefined : 'the upstream prebuild is for linux-x64 only') },
  async (t) => {
    const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
    // node-gyp-build takes FUSE_NATIVE_PREBUILD as fuse-native's directory: one that holds
    // only the upstream prebuild makes fuse-native load that
    const upstream = tempDir(t, 'dfs-upstream-addon-');
    fs.mkdirSync(path.join(upstream, 'prebuilds', 'linux-x64'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'node_modules', 'fuse-native', 'prebuilds', 'linux-x64', 'node.napi.node'), path.join(upstream, 'prebuilds', 'linux-x64', 'node.napi.node'));
    const dir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
    await t.rejects(
      mount(t, cluster, { dir, env: { FUSE_NATIVE_PREBUILD: upstream }, args: ['--layer', 'path'] }),
      /fuse-native loads \S*node\.napi\.node, not dfs's patched build[^]*ENOSYS/,
    );
    t.notOk(isMounted(dir), 'nothing was mounted');
  },
);
