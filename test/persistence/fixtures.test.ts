// The on-disk formats are pinned by fixtures written by earlier code (test/fixtures/):
// this build must still read them, to the state recorded beside them.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { MetadataStore } from '../../src/master/persistence.js';
import { MasterState } from '../../src/master/state.js';
import { tempDir } from '../helpers/cluster.js';
import { dumpState } from '../helpers/master-state.js';
import { FIXTURES } from '../fixtures/make-fixtures.js';

t.test('master v1: a snapshot plus the journal after it', async (t) => {
  const src = path.join(FIXTURES, 'master-v1');
  const dir = tempDir(t);
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const state = new MasterState();
  const { store, report } = await MetadataStore.open(dir, state);
  t.match(report.snapshot, /snapshot-0000000002\.dfs$/);
  t.equal(report.replayed, 7, 'five batches, two of them with two records');
  const want = JSON.parse(fs.readFileSync(path.join(src, 'expected-state.json'), 'utf8')) as unknown;
  t.same(JSON.parse(JSON.stringify(dumpState(state))), want);
  await store.close();
});
