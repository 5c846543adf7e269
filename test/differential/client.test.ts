// The differential exerciser on the client library: two clients of one cluster (as two
// mounts would be), several handles per file, 64 KiB blocks, compared step by step with a
// local directory. Fixed seeds, so a failure replays with the command it prints.
import t from 'tap';
import { describe, exercise } from './exerciser.js';
import { prepare } from './setups.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

t.test('the client library agrees with a local file system', async (t) => {
  const setup = await prepare(t, 'client');
  for (const seed of SEEDS) {
    const r = await exercise({ ...setup, seed, runs: 5, maxCommands: 300 });
    t.notOk(r.failed, describe(r, 'npm run soak -- --setup client --runs 5 --commands 300'));
  }
});
