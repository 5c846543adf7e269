// The garbage list changes only through journal records: after maintenance has made garbage
// (an allocation that expired uncommitted, on a node that is down so the collector cannot
// delete it yet), a snapshot built from the journal by the checkpoint worker and a crash image
// of the data dir both load to the live state, garbage list included. Before, the list was
// changed in memory only, so a checkpoint or a crash forgot blocks still to delete.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { MetadataStore } from '../../src/master/persistence.js';
import { MasterState } from '../../src/master/state.js';
import { localCluster, tempDir } from '../helpers/cluster.js';
import { dumpState } from '../helpers/master-state.js';
import { eventually } from '../helpers/split-cluster.js';

async function loadCopy(t: Test, dir: string): Promise<MasterState> {
  const copy = tempDir(t);
  for (const f of fs.readdirSync(dir)) if (/\.(dfs|log)$/.test(f)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
  const state = new MasterState();
  const { store } = await MetadataStore.open(copy, state);
  await store.close();
  return state;
}

t.test('garbage made by maintenance survives a worker checkpoint and a crash', async (t) => {
  const cl = await localCluster(t, { nodes: 1, heartbeatMs: 100, master: { allocationTtlMs: 300, deadAfterMs: 60_000 } });
  const m = cl.master;
  const h = await cl.admin.create('/f', 0o644); // a block id handed out with the open, never used
  await h.close();
  const more = (await cl.admin.callRaw('fs.open', { path: '/f', read: false, write: true, allocate: 2 })).meta;
  t.equal((more.spare as unknown[]).length, 2, 'two more block ids handed out');
  await cl.nodes[0].stop(); // the collector cannot delete them there: they stay on the list
  await eventually('the allocations to expire into garbage', () => (m.state.blocks.garbage.size >= 2 ? true : undefined), 10_000);
  const live = dumpState(m.state);

  t.same(dumpState(await loadCopy(t, m.options.dataDir)), live, 'a crash image (journal replay) holds the garbage list');
  await m.store!.checkpoint();
  t.ok(
    fs.readdirSync(m.options.dataDir).some((f) => /^snapshot-.*\.dfs$/.test(f)),
    'a snapshot was written by the worker',
  );
  t.same(dumpState(await loadCopy(t, m.options.dataDir)), live, 'and so does the snapshot the worker built from the journal');
});
