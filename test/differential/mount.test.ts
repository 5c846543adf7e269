// The differential exerciser through real mounts: the same steps by real system calls on a
// dfs mount and on a local directory, mmap included; then two mounts of one cluster sharing
// the files close-to-open. Fixed seeds; a failure prints the command that replays it.
import t from 'tap';
import { fuseUnavailable } from '../helpers/mount.js';
import { describe, exercise } from './exerciser.js';
import { prepare, type SetupName } from './setups.js';

const skip = fuseUnavailable();

const cases: [SetupName, string, number[]][] = [
  ['mount', 'one mount agrees with a local file system', [11, 12, 13, 14]],
  ['mounts', 'two mounts of one cluster agree with a local file system, close-to-open', [21, 22, 23, 24]],
  ['inode', 'the mount\'s by-inode layer (on the in-memory backend) agrees with a local file system, hard links and unlinked open files included', [31, 32, 33, 34]],
];

for (const [which, title, seeds] of cases) {
  t.test(title, { skip }, async (t) => {
    const setup = await prepare(t, which);
    for (const seed of seeds) {
      const r = await exercise({ ...setup, seed, runs: 3, maxCommands: 200 });
      t.notOk(r.failed, describe(r, `npm run soak -- --setup ${which} --runs 3 --commands 200`));
    }
  });
}
