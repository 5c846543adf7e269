// The by-inode mount (dfs mount --layer inode, the default) on a real cluster: the client library's backend
// (src/client/mount-backend.ts) over the master's ino.* methods. Programs see a local file
// system; two mounts keep long kernel caches and still see each other's changes at once
// (the master's invalidations), and a file open in one mount outlives its last name,
// removed in the other.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();
const INODE = { args: ['--layer', 'inode'] };

t.test('programs on the by-inode mount of a cluster', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 2, replicas: 2, args: ['--memory'] });
  const m = await mount(t, cluster, INODE);
  const r = await sh(
    String.raw`
set -e
mkdir -p a/b && echo hello > a/b/f && cat a/b/f
ln a/b/f a/g && stat -c '%h %s' a/g
mv a/g a/h && ls a
ln -s b/f a/s && readlink a/s && cat a/s
dd if=/dev/urandom of=big bs=1M count=9 status=none && cp big big2 && cmp big big2 && echo same
truncate -s 3 a/b/f && od -c a/b/f | head -1
chmod 600 a/h && stat -c '%a' a/h
exec 3<>a/h; rm a/h a/b/f; echo kept >&3; python3 -c "import os; os.lseek(3,0,0); print(os.read(3,100))"; exec 3>&-
rm -r a && ls
`,
    { cwd: m.dir },
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, ['hello', '2 6', 'b', 'h', 'b/f', 'hello', 'same', '0000000   h   e   l', '600', "b'kept\\n'", 'big', 'big2', ''].join('\n'));
});

t.test('two by-inode mounts see each other at once, with long kernel caches', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, replicas: 1, args: ['--memory'] });
  const a = await mount(t, cluster, INODE);
  const b = await mount(t, cluster, INODE);
  // b caches the file's attributes, its pages, and a name's absence (no listing, which would refresh them)
  t.equal((await sh('echo one > f; stat -c %s f', { cwd: a.dir })).stdout, '4\n');
  t.equal((await sh('stat -c %s f; cat f; stat nothere >/dev/null 2>&1; echo $?', { cwd: b.dir })).stdout, '4\none\n1\n');
  // the kernel would keep b's copies for 50 s; the master tells b of each change, and a's
  // call returns only once b has dropped what it cached: b sees the change at its next call
  await sh('echo longer > f; echo x > nothere', { cwd: a.dir });
  t.equal((await sh('stat -c %s f; cat f nothere', { cwd: b.dir })).stdout, '7\nlonger\nx\n');
  await sh('mv f g', { cwd: a.dir });
  t.equal((await sh('cat f 2>/dev/null || echo gone; cat g', { cwd: b.dir })).stdout, 'gone\nlonger\n');

  // a file open in b lives on when a removes its last name
  const r = await sh(
    String.raw`
exec 3<g
sleep 0.3
python3 -c "import os; print(os.read(3,100))"
sleep 1.5
python3 -c "import os; os.lseek(3,0,0); print(os.read(3,100))"
exec 3<&-
`,
    { cwd: b.dir },
  );
  t.equal(r.stdout, "b'longer\\n'\nb'longer\\n'\n", r.stderr);
});

t.test('a directory made through a mount answers its absent names itself, and still sees names made elsewhere', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, replicas: 1, args: ['--memory'] });
  const a = await mount(t, cluster, INODE);
  const b = await mount(t, cluster, INODE);
  // a makes d and files in it (each create's lookup is answered by a itself), and looks for
  // a name that b is about to make: absent, and cached so by a's kernel
  let r = await sh('mkdir d && for i in 1 2 3; do echo $i > d/f$i; done; stat d/late >/dev/null 2>&1; echo $?; cat d/f2', { cwd: a.dir });
  t.equal(r.stdout, '1\n2\n', r.stderr);
  // b adds names and takes one away: a sees it all at once (the master's lease on d tells a)
  await sh('echo late > d/late; mkdir d/sub; rm d/f1', { cwd: b.dir });
  r = await sh('cat d/late; ls d | tr "\\n" " "; echo; stat d/f1 >/dev/null 2>&1; echo $?', { cwd: a.dir });
  t.equal(r.stdout, 'late\nf2 f3 late sub \n1\n', r.stderr);
  // a's own changes in a directory it made: a name moved, removed, made again, a directory removed
  r = await sh('mkdir e e/sub && touch e/x && mv e/x e/y && (cat e/x 2>/dev/null || echo no-x) && rm e/y && echo again > e/y && cat e/y && rmdir e/sub && ls e', { cwd: a.dir });
  t.equal(r.stdout, 'no-x\nagain\ny\n', r.stderr);
  t.equal((await sh('ls e; cat e/y', { cwd: b.dir })).stdout, 'y\nagain\n', 'and b sees what a did');
  // a directory a made and then closed to searching by others: a asks the master again
  r = await sh('mkdir g && chmod 700 g && touch g/h && ls g', { cwd: a.dir });
  t.equal(r.stdout, 'h\n', r.stderr);
});
