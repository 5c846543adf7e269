// The differential exerciser on small writes into big blocks: two clients of one cluster
// with 512 KiB blocks (128 pages) and little room for dirty bytes, so writes go as
// overlays (src/master/block-overlays.ts), fold, become whole blocks and meet truncates and
// each other's, compared step by step with a local directory. Fixed seeds, so a failure
// replays with the command it prints.
import t from 'tap';
import { describe, exercise } from './exerciser.js';
import { prepare } from './setups.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

t.test('small writes into big blocks agree with a local file system', async (t) => {
  const setup = await prepare(t, 'overlays');
  for (const seed of SEEDS) {
    const r = await exercise({ ...setup, seed, runs: 5, maxCommands: 300 });
    t.notOk(r.failed, describe(r, 'npm run soak -- --setup overlays --runs 5 --commands 300'));
  }
  // the runs were about overlays: they were made
  t.ok(setup.overlaysLaid!() > 20, `${setup.overlaysLaid!()} overlays laid`);
});
