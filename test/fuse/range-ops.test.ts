// fallocate, lseek's SEEK_DATA and SEEK_HOLE, and copy_file_range on the by-inode mount of a
// real cluster (src/fuse/inode-range-ops.ts), driven by fallocate(1), cp and Python, each
// script run beside a local directory with the same sizes, bytes and errors to show. The
// daemon's trace shows the calls reached it (the kernel falls back to its own copy and seek
// when they answer ENOSYS); a second mount reads what the first one made.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, type Mounted } from '../helpers/mount.js';
import { both } from '../helpers/posix-compare.js';

const skip = fuseUnavailable();

/** Shell functions the scripts share: `gen FILE SEED SIZE` writes pseudo-random bytes, `sum FILE…` prints size and hash. */
const HELPERS = String.raw`
gen() { python3 -c "import random, sys; random.seed(int(sys.argv[2])); open(sys.argv[1], 'wb').write(random.randbytes(int(sys.argv[3])))" "$@"; }
sum() { python3 -c "
import hashlib, sys
for p in sys.argv[1:]:
    d = open(p, 'rb').read()
    print(p, len(d), hashlib.sha256(d).hexdigest()[:16])" "$@"; }
`;

// blocks are 4 MiB: the ranges cross block boundaries, cover whole blocks and reach past the end
const FALLOCATE = String.raw`
printf 'abcdefghij' > a
fallocate -l 100000 a && stat -c '%n %s' a
fallocate -l 10 a && stat -c '%n %s' a
fallocate -o 200000 -l 1000 a && stat -c '%n %s' a
fallocate -n -o 0 -l 5000000 a && stat -c '%n %s' a
fallocate -n -o 300000 -l 100 a && stat -c '%n %s' a
fallocate -x -o 0 -l 202000 a && stat -c '%n %s' a
sum a
gen b 1 9437307
fallocate -p -o 1000 -l 5000000 b && sum b
fallocate -p -o 8388608 -l 4194304 b && sum b
fallocate -p -o 20000000 -l 10 b && sum b
gen c 2 9437307
fallocate -z -o 100 -l 300 c && sum c
fallocate -z -o 4194304 -l 4194304 c && sum c
fallocate -z -n -o 9000000 -l 1000000 c && sum c
fallocate -z -o 9400000 -l 1000000 c && sum c
gen g 6 300000 && dd if=/dev/zero of=g bs=4096 seek=10 count=20 conv=notrunc status=none
fallocate -d g && sum g
python3 - <<'PY'
import os
fd = os.open('e', os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b'x' * 1000)  # not flushed: the size is the mount's open file's
os.posix_fallocate(fd, 0, 500)
print('posix_fallocate within', os.fstat(fd).st_size)
os.posix_fallocate(fd, 800, 70000)
print('posix_fallocate past the end', os.fstat(fd).st_size)
os.close(fd)
PY
sum e
python3 - <<'PY'
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
def fa(fd, mode, off, length):
    return 'ok' if libc.fallocate(fd, mode, off, length) == 0 else errno.errorcode[ctypes.get_errno()]
rw = os.open('a', os.O_RDWR)
ro = os.open('a', os.O_RDONLY)
ap = os.open('a', os.O_WRONLY | os.O_APPEND)
print('length 0:', fa(rw, 0, 0, 0))
print('negative offset:', fa(rw, 0, -1, 10))
print('read-only:', fa(ro, 0, 0, 10))
print('punch without keep size:', fa(rw, 0x02, 0, 10))
print('punch and zero:', fa(rw, 0x13, 0, 10))
print('unshare:', fa(rw, 0x40, 0, 10))
print('past the largest size:', fa(rw, 0, 2**50, 1), fa(rw, 0x01, 2**50, 1))
print('punch through O_APPEND:', fa(ap, 0x03, 2, 4), os.pread(rw, 8, 0))
print('zero through O_APPEND:', fa(ap, 0x10, 6, 2), os.pread(rw, 10, 0), os.fstat(rw).st_size)
PY
`;

const LSEEK = String.raw`
python3 - <<'PY'
import errno, os, random
def seek(fd, off, whence):
    try:
        return os.lseek(fd, off, whence)
    except OSError as e:
        return errno.errorcode[e.errno]
both = lambda fd, off: (seek(fd, off, os.SEEK_DATA), seek(fd, off, os.SEEK_HOLE))
fd = os.open('d', os.O_RDWR | os.O_CREAT, 0o644)
print('empty', both(fd, 0))
random.seed(4)
os.write(fd, random.randbytes(5000000))  # not flushed: the size is the mount's open file's
for off in (0, 1, 4194304, 4999999, 5000000, 6000000, -1):
    print(off, both(fd, off))
other = os.open('d', os.O_RDONLY)
print('another descriptor', both(other, 4999999), both(other, 5000000))
os.ftruncate(fd, 3000)
print('after ftruncate', both(fd, 2999), both(fd, 3000))
os.close(fd)
fd = os.open('d', os.O_RDONLY)
print('after close', both(fd, 2999), both(fd, 3000))

# a sparse file: each file system may put its holes elsewhere, but what it answers must be true
with open('s', 'wb') as f:
    f.write(b'y' * 10)
    f.truncate(20000000)
    f.seek(12000000)
    f.write(b'z' * 100)
data = open('s', 'rb').read()
fd = os.open('s', os.O_RDONLY)
size = os.fstat(fd).st_size
ok = True
for off in (0, 5, 10, 4096, 11999999, 12000000, 12000050, 12000100, 19999999):
    d, h = both(fd, off)
    ok &= isinstance(h, int) and off <= h <= size
    if isinstance(d, int):
        ok &= off <= d < size and not any(data[off:d]) and not d == off == h
    else:
        ok &= d == 'ENXIO' and not any(data[off:])
print('sparse: answers consistent with the bytes' if ok else 'sparse: WRONG', both(fd, size))
PY
`;

const COPY = String.raw`
python3 - <<'PY'
import errno, hashlib, os, random
def cfr(a, b, n, oa=None, ob=None):
    try:
        return os.copy_file_range(a, b, n, oa, ob)
    except OSError as e:
        return errno.errorcode[e.errno]
random.seed(3)
SIZE = 9 * 2**20 + 4321
open('src', 'wb').write(random.randbytes(SIZE))
s = os.open('src', os.O_RDONLY)
d = os.open('dst', os.O_RDWR | os.O_CREAT, 0o644)
print('whole', cfr(s, d, 1 << 30, 0, 0))
print('inner', cfr(s, d, 5000000, 1000, 3))
print('up to the end', cfr(s, d, 100000, SIZE - 321, 20000000), os.fstat(d).st_size)
print('past the end', cfr(s, d, 10, SIZE + 10, 0))
print('at the positions', cfr(s, d, 77), os.lseek(s, 0, os.SEEK_CUR), os.lseek(d, 0, os.SEEK_CUR))
print('one file, apart', cfr(d, d, 1000, 0, 30000000), os.fstat(d).st_size)
print('one file, overlapping', cfr(d, d, 1000, 0, 500), cfr(d, d, 1000, 500, 0))
print('one file, touching', cfr(d, d, 1000, 0, 1000))
ro = os.open('dst', os.O_RDONLY)
wo = os.open('src', os.O_WRONLY)
ap = os.open('dst', os.O_WRONLY | os.O_APPEND)
print('to read-only', cfr(s, ro, 10, 0, 0), 'from write-only', cfr(wo, d, 10, 0, 0), 'to append', cfr(s, ap, 10, 0, 0))
w = os.open('fresh', os.O_RDWR | os.O_CREAT, 0o644)
os.write(w, b'fresh bytes ' * 1000)  # not flushed: the copy reads them from the mount's open file
print('unflushed source', cfr(w, d, 1 << 20, 0, 7))
for p in ('src', 'dst', 'fresh'):
    b = open(p, 'rb').read()
    print(p, len(b), hashlib.sha256(b).hexdigest()[:16])
PY
`;

// cp (coreutils 9) copies with copy_file_range unless told --reflink=never, which reads and writes
const CP = String.raw`
gen big 5 9437307
cp big big2 && cmp big big2 && echo same
truncate -s 20M sparse && printf x >> sparse && printf y | dd of=sparse bs=1 seek=5000000 conv=notrunc status=none
cp sparse sparse2 && cmp sparse sparse2 && echo same
cp --sparse=never sparse sparse3 && cmp sparse sparse3 && echo same
cp --reflink=never sparse sparse4 && cmp sparse sparse4 && echo same
sum big2 sparse2 sparse3 sparse4
`;

/** What the daemon's trace says of one operation since `from` (an offset into its stderr). */
function traced(m: Mounted, op: string, from = 0): string[] {
  return m
    .stderr()
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith(`fuse ${op} `))
    .map((l) => l.split(' ')[2]);
}

t.test('fallocate, lseek and copy_file_range on the mount, beside a local directory', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, replicas: 1, args: ['--memory'] });
  const a = await mount(t, cluster, { args: ['--layer', 'inode', '--trace'] });

  await t.test('fallocate: plain, keep size, punch hole, zero range, dig holes, posix_fallocate, errors', async (t) => {
    await a.sh('mkdir fa');
    const out = await both(t, `${a.dir}/fa`, HELPERS + FALLOCATE);
    t.equal(out.mnt, out.local);
    t.notMatch(out.mnt, /^fallocate: /m, 'fallocate(1) took every command');
    t.match(out.mnt, /^a 202000 /m);
    t.match(out.mnt, /^past the largest size: EFBIG EFBIG$/m);
    t.ok(traced(a, 'fallocate').includes('ok'), 'the daemon answered fallocate');
  });

  await t.test('fallocate: what the kernel passes on and Linux would refuse the same way', async (t) => {
    const r = await a.sh(String.raw`python3 - <<'PY'
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
def fa(fd, mode, off, length):
    return 'ok' if libc.fallocate(fd, mode, off, length) == 0 else errno.errorcode[ctypes.get_errno()]
fd = os.open('big', os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b'z' * 8192)
# ext4 collapses and inserts ranges; dfs does not, as most file systems (Python names EOPNOTSUPP ENOTSUP)
print('collapse:', fa(fd, 0x08, 0, 4096), 'insert:', fa(fd, 0x20, 0, 4096))
MAX = 4 * 2**20 * 2**20  # 2^20 blocks of 4 MiB: the largest file (s_maxbytes)
print('to the largest size:', fa(fd, 0x01, MAX - 1, 1), 'past it:', fa(fd, 0x01, MAX - 1, 2), fa(fd, 0x03, MAX, 1), fa(fd, 0, MAX, 1))
print('size', os.fstat(fd).st_size)
PY`);
    t.equal(r.stdout, 'collapse: ENOTSUP insert: ENOTSUP\nto the largest size: ok past it: EFBIG EFBIG EFBIG\nsize 8192\n', r.stderr);
  });

  await t.test('lseek SEEK_DATA and SEEK_HOLE, with unflushed writes and holes', async (t) => {
    await a.sh('mkdir ls');
    const out = await both(t, `${a.dir}/ls`, LSEEK);
    t.equal(out.mnt, out.local);
    t.match(out.mnt, /^4999999 \(4999999, 5000000\)\n5000000 \('ENXIO', 'ENXIO'\)$/m);
    t.match(out.mnt, /^sparse: answers consistent with the bytes/m);
    t.ok(traced(a, 'lseek').includes('ok'), 'the daemon answered lseek');
    // the mount counts every byte below the size as data: no hole until the end
    const r = await a.sh(`python3 -c "import os; fd = os.open('ls/s', os.O_RDONLY); print(os.lseek(fd, 20, os.SEEK_DATA), os.lseek(fd, 20, os.SEEK_HOLE))"`);
    t.equal(r.stdout, '20 20000000\n', r.stderr);
  });

  await t.test('copy_file_range: ranges, the end of the source, one file, descriptors, unflushed writes', async (t) => {
    await a.sh('mkdir cp');
    const out = await both(t, `${a.dir}/cp`, COPY);
    t.equal(out.mnt, out.local);
    t.match(out.mnt, /^whole 9441505$/m);
    t.match(out.mnt, /^one file, overlapping EINVAL EINVAL$/m);
    t.ok(traced(a, 'copyFileRange').includes('ok'), 'the daemon answered copy_file_range');
  });

  await t.test('cp copies with copy_file_range', async (t) => {
    await a.sh('mkdir cp2');
    const from = a.stderr().length;
    const out = await both(t, `${a.dir}/cp2`, HELPERS + CP);
    t.equal(out.mnt, out.local);
    t.equal(out.mnt.match(/^same$/gm)?.length, 4, out.mnt);
    t.ok(traced(a, 'copyFileRange', from).filter((o) => o === 'ok').length >= 2, 'cp reached the daemon with copy_file_range');
  });

  await t.test('another mount reads what the calls made', async (t) => {
    const b = await mount(t, cluster, { args: ['--layer', 'inode'] });
    const files = 'fa/a fa/b fa/c fa/e fa/g ls/d ls/s cp/src cp/dst cp/fresh cp2/big2 cp2/sparse2 cp2/sparse3 cp2/sparse4';
    const inA = await a.sh(HELPERS + `sum ${files}`);
    const inB = await b.sh(HELPERS + `sum ${files}`);
    t.equal(inB.code, 0, inB.stderr);
    t.equal(inB.stdout, inA.stdout);
  });
});
