// The dfs mount's by-inode layer (src/fuse/inode-fs.ts) on the in-memory backend under real
// programs, compared with a local file system: the same scripts must print the same. The
// kernel's caches are on for minutes here, as they are while the master's leases hold, so
// every answer the kernel keeps must stay right after changes made through the mount.
import t from 'tap';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountInodeFs } from '../helpers/inode-mount.js';
import { both, RENAME2_SCRIPT, TREE } from '../helpers/posix-compare.js';

const skip = fuseUnavailable();
const LONG = { cache: { leased: 600 } };

t.test('files, directories, hard and symbolic links, rename, chmod and truncate behave as on a local file system', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const out = await both(t, m.dir, TREE);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /one inode, two names/);
  t.match(out.mnt, /exit 0\n$/);
});

t.test('renameat2: RENAME_NOREPLACE and RENAME_EXCHANGE', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const out = await both(t, m.dir, RENAME2_SCRIPT);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /noreplace onto b: EEXIST/);
});

t.test('hard links are one inode: a change through one name shows at once through the other, link counts follow rm', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  // one process, so nothing waits for a cache to expire between the steps (the fault that
  // kept the high-level binding's attribute cache off: native-notes/fuse-options.md)
  const script = String.raw`
python3 - <<'PY'
import os
stale = 0
for i in range(200):
    a, b = f'a{i}', f'b{i}'
    open(a, 'w').close()
    os.stat(a)
    os.link(a, b)
    stale += os.stat(a).st_ino != os.stat(b).st_ino
    os.chmod(a, 0o600)
    stale += os.stat(b).st_mode & 0o777 != 0o600
    stale += os.stat(b).st_nlink != 2
    with open(b, 'a') as f:
        f.write('through b')
    stale += os.stat(a).st_size != 9
    os.unlink(a)
    stale += os.stat(b).st_nlink != 1
print('stale answers:', stale)
PY
echo x > one; ln one two; ln two three
[ "$(stat -c %i one)" = "$(stat -c %i three)" ] && echo 'one inode'
stat -c '%h' one; rm one; stat -c '%h' two three; rm two; stat -c '%h' three
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /stale answers: 0\none inode\n3\n2\n2\n1\n/);
});

t.test('errors as a local file system gives them', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const script = String.raw`
mkdir d; echo x > d/f; mkdir d/e
mkdir d 2>&1; echo $?
rmdir d 2>&1; echo $?
rm d/e 2>&1; echo $?
rmdir d/f 2>&1; echo $?
cat d/nothing 2>&1; echo $?
mv d d/e/inside 2>&1; echo $?
ln d d2 2>&1; echo $?
touch "d/$(printf '%0256d' 0)" 2>&1 | sed 's/0\{256\}/LONG/'
ls d
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
});

t.test('file times in milliseconds, before 1970 too; one time alone', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const script = String.raw`
touch f
touch -d '1960-01-01 00:00:00.5 UTC' f && stat -c '%x|%y' f
touch -m -d '2001-02-03 04:05:06.123 UTC' f && stat -c '%x|%y' f
touch -a -d '1901-12-14 00:00:00 UTC' f && stat -c '%x|%y' f
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /1960-01-01 00:00:00.500000000/);
});

t.test('a large directory lists whole, with its types, through readdir and readdirplus', { skip }, async (t) => {
  const m = await mountInodeFs(t, { ...LONG, pageSize: 50 });
  const script = String.raw`
mkdir big
for i in $(seq 1 300); do : > "big/file-with-a-rather-long-name-to-fill-the-buffer-$i"; done
mkdir big/zdir; ln -s x big/zlink
ls big | wc -l
ls -l big | awk 'NR > 1 { print substr($1, 1, 1) }' | sort | uniq -c
find big -type f | wc -l
ls -f big | sort | uniq -d | wc -l
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.notMatch(m.stderr(), /lookup counts are off/, 'every entry readdirplus added went to the kernel');
  const r = await sh('stat -f -c %l .', { cwd: m.dir });
  t.equal(r.stdout, '255\n', 'statfs: the longest name');
});
