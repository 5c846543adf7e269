// The on-disk formats are pinned by fixtures written by earlier code (test/fixtures/):
// this build must still read them, to the state recorded beside them.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { MetadataStore, type LoadReport } from '../../src/master/persistence.js';
import { MasterState } from '../../src/master/state.js';
import { tempDir } from '../helpers/cluster.js';
import { dumpState } from '../helpers/master-state.js';
import { FIXTURES } from '../fixtures/make-fixtures.js';

/** Loads fixture `name` (a snapshot and the journal segment after it); the state and the load report. */
async function loadFixture(t: Test, name: string): Promise<{ state: MasterState; report: LoadReport; want: unknown }> {
  const src = path.join(FIXTURES, name);
  const dir = tempDir(t);
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const state = new MasterState();
  const { store, report } = await MetadataStore.open(dir, state);
  await store.close();
  const want = JSON.parse(fs.readFileSync(path.join(src, 'expected-state.json'), 'utf8')) as unknown;
  return { state, report, want };
}

t.test('master v1: a snapshot plus the journal after it', async (t) => {
  const { state, report, want } = await loadFixture(t, 'master-v1');
  t.match(report.snapshot, /snapshot-0000000002\.dfs$/);
  t.equal(report.replayed, 7, 'five batches, two of them with two records');
  t.same(JSON.parse(JSON.stringify(dumpState(state))), want);
});

// v2: the snapshot has a requests frame and suspect copies; the journal has garbage, suspect and request records
t.test('master v2: request ids, suspect copies and garbage records, in the snapshot and the journal', async (t) => {
  const { state, report, want } = await loadFixture(t, 'master-v2');
  t.match(report.snapshot, /snapshot-0000000002\.dfs$/);
  t.equal(report.replayed, 10, 'five batches, of one to three records');
  t.same(JSON.parse(JSON.stringify(dumpState(state))), want);
  t.ok(state.requests.size > 0 && [...state.blocks.blocks.values()].some((b) => b.suspect) && state.blocks.garbage.size > 0, 'each new kind of state is there');
});
