// The differential exerciser through a real mount: the same steps by real system calls on a
// dfs mount and on a local directory, mmap, hard links, unlinked open files and rename onto
// itself included. Fixed seeds; a failure prints the command that replays it.
import t from 'tap';
import { fuseUnavailable } from '../helpers/mount.js';
import { describe, exercise } from './exerciser.js';
import { prepare } from './setups.js';

t.test('one mount agrees with a local file system', { skip: fuseUnavailable() }, async (t) => {
  const setup = await prepare(t, 'mount');
  for (const seed of [11, 12, 13, 14]) {
    const r = await exercise({ ...setup, seed, runs: 3, maxCommands: 200 });
    t.notOk(r.failed, describe(r, 'npm run soak -- --setup mount --runs 3 --commands 200'));
  }
});
