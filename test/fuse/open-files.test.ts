// The by-inode mount's open files (src/fuse/open-files.ts): by handle and by inode, and
// which of them is ahead of the master (written since its last flush), also when a write
// comes in while a flush is on its way.
import t from 'tap';
import type { MountFile } from '../../src/client/mount-api.js';
import { changing, OpenFiles, published } from '../../src/fuse/open-files.js';

function file(ino: number): MountFile {
  const attr = { ino, type: 'file' as const, mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0, ctime: 0, replicas: 1 };
  const nothing = async (): Promise<void> => undefined;
  return {
    ino,
    flags: { read: true, write: true },
    readInto: async () => 0,
    write: async (_p, d) => d.length,
    truncate: nothing,
    zero: nothing,
    maxSize: 1 << 30,
    flush: nothing,
    fsync: nothing,
    close: nothing,
    getattr: () => attr,
  };
}

t.test('a file is the writer of its inode from its first write until a flush that nothing overtook', async (t) => {
  const files = new OpenFiles();
  const a = files.add(file(5));
  const b = files.add(file(5));
  t.equal(files.writerOf(5), undefined, 'opened, not written');
  changing(files.get(b));
  t.equal(files.writerOf(5), files.get(b).file);
  await published(files.get(b), async () => undefined);
  t.equal(files.writerOf(5), undefined, 'flushed: the master has it all');

  // a write that comes in while the flush is out keeps the file ahead
  changing(files.get(a));
  let finish!: () => void;
  const flushing = published(files.get(a), () => new Promise<void>((resolve) => (finish = resolve)));
  changing(files.get(a));
  finish();
  await flushing;
  t.equal(files.writerOf(5), files.get(a).file, 'written during the flush: still ahead');

  files.remove(a);
  files.remove(b);
  t.equal(files.writerOf(5), undefined);
  t.equal(files.size, 0);
  t.throws(() => files.get(a), { code: 'EBADF' });
});
