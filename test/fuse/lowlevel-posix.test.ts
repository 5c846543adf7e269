// The low-level binding under real programs: a small in-memory inode file system
// (test/helpers/lowlevel-memfs.ts) mounted in a child process, and the same shell and
// Python scripts run in it and in a local directory, which must print the same.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountMemFs } from '../helpers/lowlevel-mount.js';
import { both, RENAME2_SCRIPT, TREE } from '../helpers/posix-compare.js';

const skip = fuseUnavailable();

t.test('files, directories, hard and symbolic links, rename, chmod and truncate behave as on a local file system', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 1, attrTimeout: 1 } });
  const out = await both(t, m.dir, TREE);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /one inode, two names/);
  t.match(out.mnt, /exit 0\n$/);
});

t.test('utimens: explicit times to the nanosecond, before 1970, one time alone (UTIME_OMIT), and now (UTIME_NOW)', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 1, attrTimeout: 0 } });
  const script = String.raw`
touch f
touch -d '1960-01-01 00:00:00.5 UTC' f && stat -c '%x|%y' f
touch -m -d '2001-02-03 04:05:06.123456789 UTC' f && stat -c '%x|%y' f
touch -a -d '1901-12-14 00:00:00 UTC' f && stat -c '%x|%y' f
python3 -c "import os; os.utime('f', ns=(1_000_000_000_123, 1_500_000_000_456))" && stat -c '%x|%y' f
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /1960-01-01 00:00:00.500000000/);

  // UTIME_NOW for one time, UTIME_OMIT for the other: the file system's clock, the other time kept
  const before = Math.floor(Date.now() / 1000) - 1;
  const r = await sh(`touch -a -d '1990-01-01 UTC' f && touch -m f && stat -c '%X %Y' f`, { cwd: m.dir });
  const [atime, mtime] = r.stdout.trim().split(' ').map(Number);
  t.equal(atime, 631152000, 'atime left alone (UTIME_OMIT)');
  t.ok(mtime >= before && mtime <= before + 30, `mtime is now (${mtime})`);
});

t.test('renameat2: RENAME_NOREPLACE and RENAME_EXCHANGE', { skip }, async (t) => {
  const m = await mountMemFs(t);
  const script = RENAME2_SCRIPT;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /noreplace onto b: EEXIST/);
});

t.test('readdir and readdirplus list every entry of a large directory, with their types', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 1, attrTimeout: 1 } });
  // long names: a listing takes several requests of the kernel's buffer size
  const script = String.raw`
mkdir big
for i in $(seq 1 300); do : > "big/file-with-a-rather-long-name-to-fill-the-buffer-$i"; done
mkdir big/zdir; ln -s x big/zlink
ls big | wc -l
ls -l big | awk 'NR > 1 { print substr($1, 1, 1) }' | sort | uniq -c
find big -type f | wc -l
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  const calls = (await m.ask<{ calls: Record<string, number> }>({ cmd: 'stats' })).calls;
  t.ok((calls.readdirplus ?? 0) + (calls.readdir ?? 0) > 2, `listed in several requests (${JSON.stringify(calls)})`);
  t.ok(calls.readdirplus, 'ls -l used readdirplus');
  t.notMatch(m.stderr(), /lookup counts are off/, 'every entry readdirplus added went to the kernel');
});

t.test('xattrs, statfs, mknod (a FIFO), access, fsync, fallocate, copy_file_range and SEEK_DATA/SEEK_HOLE', { skip }, async (t) => {
  const m = await mountMemFs(t);
  const script = String.raw`
mkfifo fifo && stat -c '%F %a' fifo
python3 - <<'PY'
import errno, os
def attempt(what, f):
    try:
        r = f()
        print(what, 'ok' if r is None else r)
    except OSError as e:
        print(what, errno.errorcode[e.errno])
with open('x', 'wb') as fh:
    fh.write(b'0123456789' * 1000)
    os.fsync(fh.fileno())
    os.fdatasync(fh.fileno())
attempt('setxattr', lambda: os.setxattr('x', 'user.color', b'blue'))
attempt('setxattr create again', lambda: os.setxattr('x', 'user.color', b'red', os.XATTR_CREATE))
attempt('setxattr replace missing', lambda: os.setxattr('x', 'user.shape', b'round', os.XATTR_REPLACE))
attempt('setxattr empty', lambda: os.setxattr('x', 'user.empty', b''))
attempt('getxattr', lambda: os.getxattr('x', 'user.color'))
attempt('getxattr empty', lambda: os.getxattr('x', 'user.empty'))
attempt('getxattr missing', lambda: os.getxattr('x', 'user.none'))
attempt('listxattr', lambda: sorted(os.listxattr('x')))
attempt('removexattr', lambda: os.removexattr('x', 'user.color'))
attempt('removexattr again', lambda: os.removexattr('x', 'user.color'))
attempt('access r', lambda: os.access('x', os.R_OK))
attempt('access missing', lambda: os.access('nope', os.F_OK))
fd = os.open('x', os.O_RDWR)
attempt('posix_fallocate', lambda: os.posix_fallocate(fd, 0, 20000))
attempt('size after fallocate', lambda: os.fstat(fd).st_size)
out = os.open('y', os.O_RDWR | os.O_CREAT, 0o644)
attempt('copy_file_range', lambda: os.copy_file_range(fd, out, 5000, 100, 0))
attempt('copied bytes', lambda: os.pread(out, 20, 0))
attempt('SEEK_DATA', lambda: os.lseek(fd, 10, os.SEEK_DATA))
attempt('SEEK_HOLE', lambda: os.lseek(fd, 10, os.SEEK_HOLE))
attempt('SEEK_DATA past the end', lambda: os.lseek(fd, 30000, os.SEEK_DATA))
dfd = os.open('.', os.O_RDONLY)
attempt('fsync a directory', lambda: os.fsync(dfd))
PY
`;
  const r = await sh(script, { cwd: m.dir });
  t.equal(r.code, 0, r.stderr);
  // a local file system answers a few of these its own way (the fallocate'd size, holes): the
  // in-memory one's answers are checked directly
  t.equal(
    r.stdout,
    [
      'fifo 644',
      'setxattr ok',
      'setxattr create again EEXIST',
      'setxattr replace missing ENODATA',
      'setxattr empty ok',
      "getxattr b'blue'",
      "getxattr empty b''",
      'getxattr missing ENODATA',
      "listxattr ['user.color', 'user.empty']",
      'removexattr ok',
      'removexattr again ENODATA',
      'access r True',
      'access missing False',
      'posix_fallocate ok',
      'size after fallocate 20000',
      'copy_file_range 5000',
      "copied bytes b'01234567890123456789'",
      'SEEK_DATA 10',
      'SEEK_HOLE 20000',
      'SEEK_DATA past the end ENXIO',
      'fsync a directory ok',
      '',
    ].join('\n'),
  );
  const statfs = await sh(`stat -f -c '%S %b %f %a %c %l' .`, { cwd: m.dir });
  t.equal(statfs.stdout.trim(), `4096 ${1 << 20} ${1 << 19} ${1 << 18} ${1 << 16} 255`);
  const calls = (await m.ask<{ calls: Record<string, number> }>({ cmd: 'stats' })).calls;
  for (const op of ['mknod', 'setxattr', 'getxattr', 'listxattr', 'removexattr', 'fsync', 'fsyncdir', 'fallocate', 'copyFileRange', 'lseek', 'statfs']) {
    t.ok(calls[op], `${op} reached the file system`);
  }
});

t.test('an open file whose name is removed stays readable and writable; inodes go when the kernel forgets them', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 1, attrTimeout: 1 } });
  const r = await sh(
    String.raw`
exec 3<>doomed
echo before >&3
rm doomed
ls
echo after >&3
python3 -c "import os; os.lseek(3, 0, 0); print(os.read(3, 100).decode(), end='')"
exec 3>&-
`,
    { cwd: m.dir },
  );
  t.equal(r.stdout, 'before\nafter\n', r.stderr);
  const until = async (what: string, cond: (s: { inodes: number; forgets: number }) => Promise<boolean> | boolean): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (await cond(await m.ask({ cmd: 'stats' }))) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    t.fail(`timed out waiting until ${what}`);
  };
  // closed and nameless: the kernel evicts the inode and FORGETs it, and the file system drops it
  await until('the unlinked inode is dropped', (s) => s.inodes === 1);
  t.pass('the unlinked inode was dropped after its last close');

  // a named file the kernel knows keeps its lookups until the kernel drops its dentry
  // (told here by the file system itself: /proc/sys/vm/drop_caches is read-only in a container)
  await sh('echo x > kept && stat kept >/dev/null', { cwd: m.dir });
  const before = await m.ask<{ lookups: number }>({ cmd: 'ino', name: 'kept' });
  t.ok(before.lookups > 0, `the kernel holds ${before.lookups} lookup(s) of it`);
  await m.ask({ cmd: 'invalEntry', parent: 1, name: 'kept' });
  await until('the kernel forgets it', async () => (await m.ask<{ lookups: number }>({ cmd: 'ino', name: 'kept' })).lookups === 0);
  t.pass('FORGET brought its lookup count to 0');
  t.equal((await sh('cat kept', { cwd: m.dir })).stdout, 'x\n', 'and it is still there by name');
});

t.test('a name that is not UTF-8 is refused (EINVAL), and not found', { skip }, async (t) => {
  const m = await mountMemFs(t);
  const r = await sh(String.raw`touch "$(printf 'bad\377name')" 2>&1; echo $?; ls "$(printf 'bad\377name')" 2>&1; echo $?`, { cwd: m.dir });
  t.match(r.stdout, /Invalid argument\n1\n.*No such file or directory\n2\n/s);
  t.equal(fs.readdirSync(m.dir).length, 0);
  t.equal(path.basename(m.dir), 'mnt');
});
