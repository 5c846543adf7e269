// The differential exerciser on the mount's by-inode layer over the in-memory backend
// (test/helpers/mem-backend.ts), the kernel caching for minutes. Fixed seeds; a failure
// prints the command that replays it.
import t from 'tap';
import { fuseUnavailable } from '../helpers/mount.js';
import { describe, exercise } from './exerciser.js';
import { prepare } from './setups.js';

t.test(
  "the mount's by-inode layer (on the in-memory backend) agrees with a local file system, hard links and unlinked open files included",
  { skip: fuseUnavailable() },
  async (t) => {
    const setup = await prepare(t, 'inode');
    for (const seed of [31, 32, 33, 34]) {
      const r = await exercise({ ...setup, seed, runs: 3, maxCommands: 200 });
      t.notOk(r.failed, describe(r, 'npm run soak -- --setup inode --runs 3 --commands 200'));
    }
  },
);
