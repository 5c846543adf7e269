// Directory listings on the by-inode layer: a large directory read in the backend's pages
// (each page asked for once, whatever the kernel's buffer size), offsets that stay valid
// while the directory changes under an open listing (every entry that was there throughout
// is listed exactly once, as POSIX asks), seekdir back into an earlier page, rewinddir
// starting afresh, and rm -r of a large directory.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { calls, mountInodeFs, stats, type InodeMount } from '../helpers/inode-mount.js';

const skip = fuseUnavailable();
const LONG = { cache: { leased: 600 } };
const PAGE = 50;

async function bigDir(m: InodeMount, count: number): Promise<string[]> {
  await m.ask({ cmd: 'remote', change: { op: 'mkdir', path: '/big' } });
  await m.ask({ cmd: 'remote', change: { op: 'files', dir: '/big', prefix: 'entry-', count } });
  return Array.from({ length: count }, (_, i) => `entry-${i}`);
}

// readdir(3), telldir, seekdir and rewinddir from glibc; d_name sits at byte 19 of struct dirent on x86-64
const DIRENT = String.raw`
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.opendir.restype = ctypes.c_void_p
libc.readdir.restype = ctypes.c_void_p
libc.readdir.argtypes = [ctypes.c_void_p]
libc.telldir.restype = ctypes.c_long
libc.telldir.argtypes = [ctypes.c_void_p]
libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
libc.rewinddir.argtypes = [ctypes.c_void_p]
def entry(d):
    p = libc.readdir(d)
    return None if not p else ctypes.string_at(p + 19).decode()
def names(d, limit=None):
    out = []
    while limit is None or len(out) < limit:
        n = entry(d)
        if n is None: break
        if n not in ('.', '..'): out.append(n)
    return out
d = libc.opendir(b'big')
`;

t.test("a large directory is read in the backend's pages, each asked for once per listing", { skip }, async (t) => {
  const m = await mountInodeFs(t, { ...LONG, pageSize: PAGE });
  const want = await bigDir(m, 3000);
  const before = await calls(m, 'readdir');
  const r = await sh('ls -f big | grep -v "^\\.\\.\\?$" | sort', { cwd: m.dir });
  t.same(r.stdout.trim().split('\n'), [...want].sort(), 'every name once');
  const pages = (await calls(m, 'readdir')) - before;
  t.ok(pages >= 3000 / PAGE && pages <= 3000 / PAGE + 1, `${pages} pages of ${PAGE} for 3000 entries`);
  const long = await sh('ls -l big | wc -l', { cwd: m.dir });
  t.equal(long.stdout, '3001\n', 'ls -l: every entry with its attributes (readdirplus)');
  t.notMatch(m.stderr(), /lookup counts are off/);
});

// getdents64 with a 4 KiB buffer: glibc's readdir asks with st_blksize (1 MiB here), which
// takes a whole test directory in one call, before anything could change under it
const GETDENTS = String.raw`
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
def getdents(fd, size=4096):
    buf = ctypes.create_string_buffer(size)
    n = libc.syscall(217, fd, buf, size)
    if n < 0: raise OSError(ctypes.get_errno(), 'getdents64')
    raw, pos, out = buf.raw[:n], 0, []
    while pos < n:
        reclen = struct.unpack_from('<H', raw, pos + 16)[0]
        name = raw[pos + 19:pos + reclen].split(b'\0', 1)[0].decode()
        if name not in ('.', '..'): out.append(name)
        pos += reclen
    return out
fd = os.open('big', os.O_RDONLY | os.O_DIRECTORY)
`;

t.test('entries that stay while the directory changes under an open listing are listed exactly once', { skip }, async (t) => {
  const m = await mountInodeFs(t, { ...LONG, pageSize: PAGE });
  const all = await bigDir(m, 3000);
  const sync = tempDir(t, 'dfs-readdir-sync-');
  // read a first part, wait while the test changes the directory, then read the rest
  const lister = sh(
    `python3 - <<'PY'
${GETDENTS}
import time
first = []
while len(first) < 100: first += getdents(fd)
open('${sync}/ready', 'w').close()
while not os.path.exists('${sync}/go'): time.sleep(0.02)
rest = getdents(fd)
while rest:
    first += rest
    rest = getdents(fd)
print('\\n'.join(first))
PY`,
    { cwd: m.dir },
  );
  const ready = path.join(sync, 'ready');
  for (let i = 0; i < 500 && !fs.existsSync(ready); i++) await new Promise((res) => setTimeout(res, 20));
  t.ok(fs.existsSync(ready), 'the lister read its first entries');
  // names before and after where the listing is, removed; new names added
  const removed = [...all.filter((_, i) => i % 7 === 0)];
  for (const name of removed) await m.ask({ cmd: 'remote', change: { op: 'unlink', path: `/big/${name}` } });
  await m.ask({ cmd: 'remote', change: { op: 'files', dir: '/big', prefix: 'new-', count: 200 } });
  fs.writeFileSync(path.join(sync, 'go'), '');
  const r = await lister;
  t.equal(r.code, 0, r.stderr);
  const seen = r.stdout.trim().split('\n');
  const counts = new Map<string, number>();
  for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1);
  t.same(
    [...counts].filter(([, c]) => c > 1),
    [],
    'no entry twice',
  );
  const gone = new Set(removed);
  t.same(
    all.filter((n) => !gone.has(n) && !counts.has(n)),
    [],
    'every entry that stayed is listed',
  );
  t.ok(
    [...counts.keys()].every((n) => n.startsWith('entry-') || n.startsWith('new-')),
    'nothing else',
  );
});

t.test('seekdir back into an earlier page, and rewinddir, read what they should', { skip }, async (t) => {
  const m = await mountInodeFs(t, { ...LONG, pageSize: PAGE });
  await bigDir(m, 2000);
  const r = await sh(
    `python3 - <<'PY'
${DIRENT}
names(d, 10)
pos = libc.telldir(d)
eleventh = names(d, 1)
rest = names(d)
libc.seekdir(d, pos)
print('seek back:', names(d, 1) == eleventh, len(rest))
libc.rewinddir(d)
print('rewind:', len(names(d)))
PY`,
    { cwd: m.dir },
  );
  t.equal(r.stdout, 'seek back: True 1989\nrewind: 2000\n', r.stderr);
  const again = await sh(
    `python3 - <<'PY'
${DIRENT}
print(len(names(d)))
for i in range(5): open(f'big/late-{i}', 'w').close()
libc.rewinddir(d)
print(len(names(d)))
PY`,
    { cwd: m.dir },
  );
  t.equal(again.stdout, '2000\n2005\n', `rewinddir lists what was made since (${again.stderr})`);
});

t.test('rm -r of a large directory', { skip }, async (t) => {
  const m = await mountInodeFs(t, { ...LONG, pageSize: PAGE });
  await bigDir(m, 2000);
  const r = await sh('rm -r big && ls -a', { cwd: m.dir });
  t.equal(r.stdout, '.\n..\n', r.stderr);
  t.equal((await stats(m)).store.inodes, 1);
});
