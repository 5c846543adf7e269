// The differential exerciser through two mounts of one cluster: each step by real system
// calls through one of them, compared with a local directory at once, so that every change
// made in one mount must show in the other at its next call (the master's invalidations).
// Fixed seeds; a failure prints the command that replays it.
import t from 'tap';
import { fuseUnavailable } from '../helpers/mount.js';
import { describe, exercise } from './exerciser.js';
import { prepare } from './setups.js';

t.test('two mounts of one cluster agree with a local file system', { skip: fuseUnavailable() }, async (t) => {
  const setup = await prepare(t, 'mounts');
  for (const seed of [21, 22, 23, 24]) {
    const r = await exercise({ ...setup, seed, runs: 3, maxCommands: 200 });
    t.notOk(r.failed, describe(r, 'npm run soak -- --setup mounts --runs 3 --commands 200'));
  }
});
