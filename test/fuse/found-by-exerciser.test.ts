// Cases the differential exerciser found on the mount by inode, each shrunk to its few
// steps and kept as it was found (test/differential/, `npm run soak`). One process drives
// both mounts, as the exerciser does, so each step follows the last at once.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

async function twoMounts(t: Parameters<typeof spawnCluster>[0]) {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory', '--block-size', '64K', '--trash-days', '0'] });
  return [await mount(t, cluster), await mount(t, cluster)];
}

const py = (code: string): string => `python3 -c "${code.replace(/"/g, '\\"')}"`;

t.test('found: a link while a file is open and written shows two links (stat answered from the open file)', { skip }, async (t) => {
  const [a] = await twoMounts(t);
  // seed 11: open f1 rw|creat; ftruncate 0; link f1 f0 → stat f0 said nlink 1
  const r = await sh(
    py(`
import os
fd = os.open('f1', os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 0)
os.link('f1', 'f0')
print(os.stat('f0').st_nlink)
os.write(fd, b'x')
os.unlink('f0')
print(os.stat('f1').st_nlink, os.fstat(fd).st_size)
`),
    { cwd: a.dir },
  );
  t.equal(r.stdout, '2\n1 1\n', r.stderr);
});

t.test('found: a name made in one mount is there in the other at its next call', { skip }, async (t) => {
  const [a, b] = await twoMounts(t);
  // seed 24: rename in b; create in a; the new name was still absent in b
  const r = await sh(
    py(`
import os
A, B = '${a.dir}', '${b.dir}'
open(A + '/f0', 'w').write('x')
os.rename(B + '/f0', B + '/f1')
os.close(os.open(A + '/f0', os.O_RDWR | os.O_CREAT, 0o644))
print(open(B + '/f1').read(), os.path.exists(B + '/f0'))
`),
    { cwd: a.dir },
  );
  t.equal(r.stdout, 'x True\n', r.stderr);
});

t.test('found: a file open in one mount takes the size another mount gave it', { skip }, async (t) => {
  const [a, b] = await twoMounts(t);
  // soak seed 656024406: open f1 in b; truncate it to 64 KiB in a; write a byte in b → b said size 1
  const r = await sh(
    py(`
import os
A, B = '${a.dir}', '${b.dir}'
fd = os.open(B + '/f1', os.O_RDWR | os.O_CREAT, 0o644)
os.truncate(A + '/f1', 65536)
os.pwrite(fd, b'y', 0)
print(os.stat(B + '/f1').st_size, os.fstat(fd).st_size)
os.close(fd)
print(os.stat(A + '/f1').st_size, open(A + '/f1', 'rb').read()[:2])
`),
    { cwd: a.dir },
  );
  t.equal(r.stdout, "65536 65536\n65536 b'y\\x00'\n", r.stderr);
});
