// Directory listings for the low-level binding: add() takes an entry only while the
// kernel's record for it (<linux/fuse.h>: 24 bytes of struct fuse_dirent, 152 with the
// fuse_entry_out of readdirplus, then the name, padded to 8) still fits the size asked for.
import t from 'tap';
import { DirBuffer, DirPlusBuffer } from '../../src/fuse/lowlevel-dir.js';
import type { Entry } from '../../src/fuse/lowlevel-ops.js';

const time = { sec: 0, nsec: 0 };
const entry = (ino: number): Entry => ({
  ino,
  attr: { ino, mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, atime: time, mtime: time, ctime: time },
  attrTimeout: 1,
  entryTimeout: 1,
});

t.test('readdir records: 24 bytes and the name, padded to 8', async (t) => {
  // "a" takes 32 bytes, a 9-byte name 40: 32 + 40 = 72 fit in 72, not in 71
  const exact = new DirBuffer(72);
  t.ok(exact.add({ name: 'a', ino: 2, mode: 0o100644, next: 1 }));
  t.ok(exact.add({ name: '123456789', ino: 3, mode: 0o40755, next: 2 }));
  t.notOk(exact.add({ name: 'b', ino: 4, mode: 0o100644, next: 3 }), 'full');
  t.ok(exact.full);
  t.same(exact.names, ['a', '123456789']);
  t.same([...exact.packed()], [2, 0o100644, 1, 3, 0o40755, 2]);
  const short = new DirBuffer(71);
  t.ok(short.add({ name: 'a', ino: 2, mode: 0, next: 1 }));
  t.notOk(short.add({ name: '123456789', ino: 3, mode: 0, next: 2 }));
  t.equal(short.count, 1);
  // names are counted in UTF-8 bytes: 'é' is 2
  const utf8 = new DirBuffer(32);
  t.ok(utf8.add({ name: 'éééé', ino: 2, mode: 0, next: 1 }), '24 + 8 bytes');
  t.notOk(new DirBuffer(32).add({ name: 'ééééé', ino: 2, mode: 0, next: 1 }), '24 + 10 bytes do not fit 32');
});

t.test('readdirplus records: 152 bytes and the name, padded to 8, each with its entry', async (t) => {
  const b = new DirPlusBuffer(160 * 2);
  t.ok(b.add({ name: 'x', entry: entry(5), next: 1 }));
  t.ok(b.add({ name: 'y', entry: entry(6), next: 2 }));
  t.notOk(b.add({ name: 'z', entry: entry(7), next: 3 }));
  const packed = b.packed();
  t.equal(packed.length, 2 * 20);
  t.equal(packed[0], 5, 'the inode');
  t.equal(packed[15], 5, 'the node id');
  t.equal(packed[19], 1, 'the next offset');
  t.equal(packed[20 + 19], 2);
});

t.test('a name that cannot be a directory entry is refused', async (t) => {
  const b = new DirBuffer(4096);
  for (const name of ['', 'a/b', 'nul\0', 'x'.repeat(1024)]) {
    t.throws(() => b.add({ name, ino: 2, mode: 0, next: 1 }), { code: 'EINVAL' }, JSON.stringify(name.slice(0, 10)));
  }
  t.equal(b.count, 0);
});
