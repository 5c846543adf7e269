// An open file that loses its name (unlink, or a rename onto it) stays readable and writable
// through its descriptors, with no hidden file in its directory: the backend keeps the inode
// alive by the open file's hold, and lets it go at the last close. Compared with a local
// file system (the high-level binding showed .fuse_hidden names, kept rmdir from working and
// left link counts one too high: native-notes/fuse-options.md).
import t from 'tap';
import { fuseUnavailable } from '../helpers/mount.js';
import { mountInodeFs, stats } from '../helpers/inode-mount.js';
import { both } from '../helpers/posix-compare.js';

const skip = fuseUnavailable();
const LONG = { cache: { leased: 600 } };

const READ_FD3 = `python3 -c "import os; os.lseek(3, 0, 0); print(os.read(3, 100).decode(), end='')"`;
const NLINK_FD3 = `python3 -c "import os; print('nlink', os.fstat(3).st_nlink)"`;

t.test('an unlinked open file: no hidden name, still read and written, its directory removable', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const script = String.raw`
mkdir d
exec 3<>d/doomed
echo before >&3
rm d/doomed
ls -a d
echo after >&3
${READ_FD3}
${NLINK_FD3}
rmdir d && echo 'directory removed'
exec 3>&-
ls -a
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /^\.\n\.\.\nbefore\nafter\nnlink 0\ndirectory removed\n\.\n\.\.\nexit 0\n$/);
  const s = await stats(m);
  t.same(s.store, { inodes: 1, orphans: 0, holds: 0 }, 'the orphan went with its last close');
  t.equal(s.calls.rename ?? 0, 0, 'no rename to a hidden name');
});

t.test('a file replaced by a rename while open keeps its bytes for its descriptors', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const script = String.raw`
echo old > f
exec 3<>f
echo new > g
mv g f
${READ_FD3}
cat f
echo more >&3
${READ_FD3}
${NLINK_FD3}
ls -a
exec 3>&-
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /^old\nnew\nold\nmore\nnlink 0\n\.\n\.\.\nf\nexit 0\n$/);
  t.same((await stats(m)).store.orphans, 0);
});

t.test('an open file renamed away is written through its descriptor under its new name; its hard links count right', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  const script = String.raw`
exec 3<>f
echo one >&3
mv f g
echo two >&3
cat g
ln g h
rm g
stat -c '%h' h
${NLINK_FD3}
exec 3>&-
cat h
`;
  const out = await both(t, m.dir, script);
  t.equal(out.mnt, out.local);
  t.match(out.mnt, /^one\ntwo\n1\nnlink 1\none\ntwo\nexit 0\n$/);
});
