// Names through a real mount: directories, moves, removal, modes, links, tar and git.
import t from 'tap';
import { fuseUnavailable, localDir, mountedCluster, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

t.test('mkdir -p, mv of files and directories, rm -r', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  let r = await mnt.sh('mkdir -p a/b/c && echo 1 > a/b/c/f && echo 2 > a/g && mkdir x && mv a/g x/ && mv a/b x/b2 && find . | sort');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, ['.', './a', './x', './x/b2', './x/b2/c', './x/b2/c/f', './x/g'].join('\n') + '\n');
  // rename over an existing file replaces it
  r = await mnt.sh('echo new > n && echo old > o && mv n o && cat o && ls');
  t.equal(r.stdout, 'new\na\no\nx\n', r.stderr);
  r = await mnt.sh('cat x/b2/c/f x/g && rm -r x && ls');
  t.equal(r.stdout, '1\n2\na\no\n', r.stderr);
});

t.test('chmod, chown and stat', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const r = await mnt.sh('echo x > f && chown 123:456 f && chmod 751 f && chmod u+s f && mkdir d && chmod 1770 d && stat -c "%a %u %g" f d && chown 7 f && stat -c "%a %u %g" f');
  t.equal(r.code, 0, r.stderr);
  // as on Linux, a change of owner drops the set-user-ID bit
  t.equal(r.stdout, '4751 123 456\n1770 0 0\n751 7 456\n');
});

t.test('symbolic and hard links', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  let r = await mnt.sh('echo data > f && ln -s f s && ln -s /no/such dangling && ln f h && readlink s dangling && cat s h && stat -c "%h %i" f h && stat -c %F s');
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.same(lines.slice(0, 4), ['f', '/no/such', 'data', 'data']);
  t.equal(lines[4], lines[5], 'a hard link shares the inode and the link count');
  t.match(lines[4], /^2 \d+$/);
  t.equal(lines[6], 'symbolic link');
  // writing through the hard link shows through the other name; removing one keeps the other
  r = await mnt.sh('echo more >> h && rm f && cat h && stat -c %h h && cat dangling');
  t.equal(r.stdout, 'data\nmore\n1\n');
  t.match(r.stderr, /dangling: No such file or directory/);
});

t.test('tar a tree of 1,000 small files into the mount; diff -r finds no difference', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const local = localDir(t);
  let r = await sh(
    `cd ${local} && mkdir src && for d in 0 1 2 3 4 5 6 7 8 9; do mkdir src/d$d; for f in $(seq 0 99); do head -c $(( (d * 100 + f) * 37 % 5000 )) /dev/urandom > src/d$d/f$f; done; done; ln -s d0/f1 src/link`,
  );
  t.equal(r.code, 0, r.stderr);
  r = await sh(`tar -C ${local} -cf - src | tar -C ${mnt.dir} -xf - && diff -r ${local}/src ${mnt.dir}/src && find ${mnt.dir}/src -type f | wc -l`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.trim(), '1000');
});

t.test('git init, add, commit and log inside the mount', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const git = 'git -c user.name=dfs -c user.email=dfs@example.invalid -c init.defaultBranch=main';
  const r = await mnt.sh(
    [
      `${git} init -q repo`,
      'cd repo',
      'printf "one\\n" > a.txt',
      'mkdir sub && printf "two\\n" > sub/b.txt',
      `${git} add -A`,
      `${git} commit -q -m first`,
      'printf "three\\n" >> a.txt',
      `${git} commit -q -am second`,
      `${git} log --format=%s`,
      `${git} status --porcelain`,
      `${git} fsck --no-progress 2>&1`,
      `${git} show HEAD:a.txt`,
    ].join(' && '),
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'second\nfirst\none\nthree\n');
});
