// The limits of names, paths and sizes through a real mount, beside a local directory: a
// 255-byte name and a 4,095-byte path work from a directory deep in the tree (the path the
// master sees is longer than PATH_MAX), one byte more is ENAMETOOLONG; a write or truncate
// past the largest file fails with EFBIG and leaves the size alone.
import t from 'tap';
import { both } from '../helpers/posix-compare.js';
import { fuseUnavailable, mountedCluster } from '../helpers/mount.js';

const skip = fuseUnavailable();

// run from deep/er/still: every path below is relative to it, as pjdfstest's are
const PATHS = String.raw`
mkdir -p deep/er/still && cd deep/er/still
python3 - <<'PY'
import errno, os
def path_of(total):
    # 254-byte directories, then a last name that brings the path to 'total' bytes
    parts = []
    while total - sum(len(p) + 1 for p in parts) > 255:
        parts.append('d' * 254)
    used = sum(len(p) + 1 for p in parts)
    return '/'.join(parts + ['f' * (total - used)])
def try_(what, f):
    try:
        f(); print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
for n in (255, 256):
    try_(f'create a {n}-byte name', lambda: open('n' * n, 'w').close())
    try_(f'mkdir a {n}-byte name', lambda: os.mkdir('m' * n))
    # a lookup alone, in a directory this mount made (pjdfstest chmod/02.t): ENOENT, then ENAMETOOLONG
    try_(f'chmod a missing {n}-byte name', lambda: os.chmod('c' * n, 0o644))
    try_(f'stat a missing {n}-byte name', lambda: os.stat('s' * n))
p = path_of(4095)
os.makedirs(os.path.dirname(p))
try_('create at 4095 bytes', lambda: open(p, 'w').close())
try_('create at 4096 bytes', lambda: open(path_of(4096), 'w').close())
try_('stat at 4095 bytes', lambda: os.stat(p))
q = p[:-1] + 'g'
try_('rename to 4095 bytes', lambda: os.rename(p, q))
try_('link at 4095 bytes', lambda: os.link(q, p))
try_('unlink at 4095 bytes', lambda: os.unlink(p))
try_('symlink named 4095 bytes', lambda: os.symlink('t', p))
try_('readlink at 4095 bytes', lambda: print(os.readlink(p)))
os.unlink(p)
try_('mkfifo at 4095 bytes', lambda: os.mkfifo(p))
os.unlink(p)
try_('mkdir at 4095 bytes', lambda: os.mkdir(p))
try_('symlink to a 4095-byte target', lambda: os.symlink('t' * 4095, 'long-target'))
try_('symlink to a 4096-byte target', lambda: os.symlink('t' * 4096, 'too-long-target'))
print(len(os.readlink('long-target')))
PY
find . -type f -o -type p | wc -l
# rm walks by directory handles: the teardown's removal by full paths could not
cd ../../.. && rm -r deep && ls
`;

const SIZES = String.raw`
python3 - <<'PY'
import errno, os
fd = os.open('f', os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b'abc')
for what, f in (('pwrite', lambda: os.pwrite(fd, b'x', 999_999_999_999_999)), ('ftruncate', lambda: os.ftruncate(fd, 999_999_999_999_999))):
    try:
        f(); print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
os.close(fd)
print(os.stat('f').st_size)
PY
truncate -s 999999999999999 f; echo "truncate: $?"
stat -c %s f
`;

t.test('names to NAME_MAX and paths to PATH_MAX from deep in the tree; ENAMETOOLONG past them', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const out = await both(t, mnt.dir, PATHS);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /create at 4095 bytes ok\ncreate at 4096 bytes ENAMETOOLONG\n/);
  t.match(out.mnt, /symlink to a 4095-byte target ok\nsymlink to a 4096-byte target ENAMETOOLONG\n4095\n/);
});

t.test('a write or truncate past the largest file: EFBIG, and the size as it was', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const out = await both(t, mnt.dir, SIZES);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /^pwrite EFBIG\nftruncate EFBIG\n3\n/);
});
