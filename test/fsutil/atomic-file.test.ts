// The atomic-file helper: the final name holds the old file or the whole new one, a failed
// write leaves it and no temporary file behind, the rename waits for beforeRename, and the
// file is private by default.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fsyncDir, fsyncDirSync, writeFileAtomic, writeFileAtomicSync } from '../../src/fsutil/atomic-file.js';
import { tempDir } from '../helpers/cluster.js';

t.test('writeFileAtomic replaces a file whole, 0600, and leaves no temporary file', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'old');
  await writeFileAtomic(file, async (fh) => {
    await fh.write('new ');
    fs.writeSync(fh.fd, 'bytes');
  });
  t.equal(fs.readFileSync(file, 'utf8'), 'new bytes');
  t.equal(fs.statSync(file).mode & 0o777, 0o600);
  t.same(fs.readdirSync(dir), ['f']);
  await fsyncDir(dir);
  fsyncDirSync(dir);
});

t.test('a failed write keeps the old file and removes the temporary one', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'old');
  await t.rejects(
    writeFileAtomic(file, async (fh) => {
      await fh.write('part');
      throw new Error('disk on fire');
    }),
    /disk on fire/,
  );
  t.equal(fs.readFileSync(file, 'utf8'), 'old');
  t.same(fs.readdirSync(dir), ['f']);
  t.throws(
    () =>
      writeFileAtomicSync(file, (fd) => {
        fs.writeSync(fd, 'part');
        throw new Error('disk on fire');
      }),
    /disk on fire/,
  );
  t.equal(fs.readFileSync(file, 'utf8'), 'old');
  t.same(fs.readdirSync(dir), ['f']);
  // a refused beforeRename is a failed write too
  await t.rejects(
    writeFileAtomic(file, (fh) => fh.write('new').then(() => undefined), { beforeRename: () => Promise.reject(new Error('no segment')) }),
    /no segment/,
  );
  t.equal(fs.readFileSync(file, 'utf8'), 'old');
  t.same(fs.readdirSync(dir), ['f']);
});

t.test('the file appears only once beforeRename has resolved, from the temporary name given', async (t) => {
  const dir = tempDir(t);
  fs.mkdirSync(path.join(dir, 'tmp'));
  const file = path.join(dir, 'f');
  const tmp = path.join(dir, 'tmp', 'f.1');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const writing = writeFileAtomic(file, (fh) => fh.write('whole').then(() => undefined), { tmp, beforeRename: () => gate, mode: 0o640 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.notOk(fs.existsSync(file), 'not yet named');
  t.equal(fs.readFileSync(tmp, 'utf8'), 'whole', 'the bytes wait under the temporary name');
  release();
  await writing;
  t.equal(fs.readFileSync(file, 'utf8'), 'whole');
  t.equal(fs.statSync(file).mode & 0o777, 0o640);
  t.same(fs.readdirSync(path.join(dir, 'tmp')), []);
});

t.test('writeFileAtomicSync writes by fd and names the file', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'g');
  writeFileAtomicSync(file, (fd) => fs.writeFileSync(fd, 'sync'));
  t.equal(fs.readFileSync(file, 'utf8'), 'sync');
  t.equal(fs.statSync(file).mode & 0o777, 0o600);
  t.same(fs.readdirSync(dir), ['g']);
});
