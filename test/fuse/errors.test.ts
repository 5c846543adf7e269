// Failures through a real mount give the errno (and so the message) a local file system gives.
import t from 'tap';
import { fuseUnavailable, localDir, mountedCluster, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

t.test('error paths match a local file system', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const local = localDir(t);
  const setup = 'mkdir full && echo x > full/f && echo y > file';
  for (const dir of [local, mnt.dir]) t.equal((await sh(setup, { cwd: dir })).code, 0);
  const cases = ['cat missing', 'rmdir full', 'mkdir file', 'mkdir full', 'cat full', 'ls file/x', 'rm full', 'ln full hard', 'mv full full/inside', 'echo x > full'];
  for (const cmd of cases) {
    const want = await sh(cmd, { cwd: local });
    const got = await sh(cmd, { cwd: mnt.dir });
    t.not(want.code, 0, `${cmd} fails locally`);
    t.equal(got.code, want.code, `${cmd}: exit code`);
    t.equal(got.stderr, want.stderr, `${cmd}: message`);
  }
});
