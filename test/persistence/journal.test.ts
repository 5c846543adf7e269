// The master's journal and snapshots at the unit level: replay gives back the state,
// group commit shares writes, a torn tail is dropped at every possible byte, damage that
// no crash makes stops start-up, and checkpoints leave a snapshot plus a short journal.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { listSegments, segmentFile } from '../../src/master/journal.js';
import { MetadataStore, snapshotFile } from '../../src/master/persistence.js';
import type { MutationRecord } from '../../src/master/records.js';
import { MasterState } from '../../src/master/state.js';
import { tempDir } from '../helpers/cluster.js';
import { dumpState, sampleBatches, stateOf } from '../helpers/master-state.js';

async function open(dir: string, opts: { say?: (l: string) => void } = {}): Promise<{ state: MasterState; store: MetadataStore }> {
  const state = new MasterState();
  const { store } = await MetadataStore.open(dir, state, opts);
  return { state, store };
}

/** What Master.mutate does: apply in memory, then make durable. */
function mutate(state: MasterState, store: MetadataStore, batch: MutationRecord[]): Promise<void> {
  for (const r of batch) state.apply(r);
  return store.append(batch);
}

t.test('a reopened journal replays to the same state', async (t) => {
  const dir = tempDir(t);
  const batches = sampleBatches(200);
  const a = await open(dir);
  for (const b of batches) await mutate(a.state, a.store, b);
  await a.store.close();
  const b = await open(dir);
  t.same(dumpState(b.state), dumpState(stateOf(batches)));
  t.same(dumpState(b.state), dumpState(a.state));
  await b.store.close();
});

t.test('concurrent appends share one write and fsync', async (t) => {
  const dir = tempDir(t);
  const { state, store } = await open(dir);
  const batches = sampleBatches(101);
  await Promise.all(batches.map((b) => mutate(state, store, b)));
  // the first append goes alone; the hundred that queue behind it go together
  t.equal(store.journal.stats.writes, 2);
  await store.close();
  const again = await open(dir);
  t.same(dumpState(again.state), dumpState(stateOf(batches)));
  await again.store.close();
});

t.test('a journal cut at every byte of its last record starts cleanly without that record', async (t) => {
  const dir = tempDir(t);
  const batches = sampleBatches(36); // the last is a file: mknod and commit in one batch
  const { state, store } = await open(dir);
  for (const b of batches.slice(0, -1)) await mutate(state, store, b);
  const seg = segmentFile(dir, store.journal.segment);
  const before = fs.statSync(seg).size;
  await mutate(state, store, batches[batches.length - 1]);
  const after = fs.statSync(seg).size;
  await store.close();
  t.ok(after - before > 100, 'the last record is a two-record batch of some size');
  const full = fs.readFileSync(seg);
  const wantBefore = dumpState(stateOf(batches.slice(0, -1)));
  const wantAfter = dumpState(stateOf(batches));
  const extra = sampleBatches(37)[36];
  const work = tempDir(t);
  for (let cut = before; cut < after; cut++) {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, path.basename(seg)), full.subarray(0, cut));
    const lines: string[] = [];
    const r = await open(work, { say: (l) => lines.push(l) });
    const same = JSON.stringify(dumpState(r.state)) === JSON.stringify(wantBefore);
    if (!same) t.fail(`cut at ${cut}: state differs from the one before the last record`);
    if (fs.statSync(path.join(work, path.basename(seg))).size !== before) t.fail(`cut at ${cut}: file not truncated to ${before}`);
    if (cut > before && !lines.some((l) => l.includes('dropped'))) t.fail(`cut at ${cut}: the drop was not reported`);
    // and the journal goes on from there
    await mutate(r.state, r.store, extra);
    await r.store.close();
    const again = await open(work);
    if (JSON.stringify(dumpState(again.state)) !== JSON.stringify(dumpState(stateOf([...batches.slice(0, -1), extra])))) {
      t.fail(`cut at ${cut}: appending after the cut does not replay`);
    }
    await again.store.close();
  }
  t.pass(`${after - before} cuts`);
  // the uncut file still has everything
  const whole = await open(dir);
  t.same(dumpState(whole.state), wantAfter);
  await whole.store.close();
});

t.test('a flipped byte in the last record drops it; damage in an earlier segment stops start-up', async (t) => {
  const dir = tempDir(t);
  const batches = sampleBatches(30);
  const a = await open(dir);
  for (const b of batches) await mutate(a.state, a.store, b);
  await a.store.close();
  const seg = segmentFile(dir, 1);
  const bytes = fs.readFileSync(seg);
  bytes[bytes.length - 3] ^= 0x40;
  fs.writeFileSync(seg, bytes);
  const b = await open(dir);
  t.same(dumpState(b.state), dumpState(stateOf(batches.slice(0, -1))));
  // now make segment 1 a middle segment and damage it
  const { seq, done } = b.store.journal.rotate();
  await done;
  t.equal(seq, 2);
  await mutate(b.state, b.store, sampleBatches(31)[30]);
  await b.store.close();
  const again = fs.readFileSync(seg);
  again[again.length - 10] ^= 0x01;
  fs.writeFileSync(seg, again);
  await t.rejects(open(dir), /damaged at byte \d+ of \d+, and later segments follow/);
});

t.test('files that are not journals, or of a newer version, are refused', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(segmentFile(dir, 1), Buffer.from('this is not a journal at all'));
  await t.rejects(open(dir), /not a dfs journal segment/);
  const header = Buffer.alloc(16);
  header.write('DFSJRNL\n', 0, 'latin1');
  header.writeUInt32BE(99, 8);
  fs.writeFileSync(segmentFile(dir, 1), header);
  await t.rejects(open(dir), /format version 99; this dfs reads version 1/);
});

t.test('a checkpoint leaves a snapshot and a fresh segment; start-up loads both', async (t) => {
  const dir = tempDir(t);
  const { state, store } = await open(dir);
  const batches = sampleBatches(300);
  for (const b of batches.slice(0, 200)) await mutate(state, store, b);
  // a directory and a file too large to go inline
  const big: MutationRecord[] = [
    { op: 'mknod', ino: 100_000, parent: 1, name: 'big', type: 'dir', mode: 0o755, uid: 0, gid: 0, time: 1, replicas: 1 },
    { op: 'mknod', ino: 100_001, parent: 1, name: 'huge', type: 'file', mode: 0o644, uid: 0, gid: 0, time: 1, replicas: 1, key: 'k' },
    {
      op: 'commit',
      ino: 100_001,
      size: 3000 * 4096,
      time: 2,
      blocks: Array.from({ length: 3000 }, (_, i) => ({ index: i, id: `b${i}`.padStart(32, '0'), size: 4096, nodes: ['n1'] })),
    },
  ];
  for (let i = 0; i < 2500; i++) {
    big.push({ op: 'mknod', ino: 100_002 + i, parent: 100_000, name: `e${i}`, type: 'symlink', mode: 0o777, uid: 0, gid: 0, time: 1, replicas: 1, target: '/x' });
  }
  await mutate(state, store, big);
  // the worker builds the snapshot from the files while the master goes on changing things
  const checkpoint = store.checkpoint();
  for (const b of batches.slice(200)) await mutate(state, store, b);
  await checkpoint;
  t.same(listSegments(dir), [2], 'older segments are gone');
  t.ok(fs.existsSync(snapshotFile(dir, 2)));
  t.equal(store.sinceSnapshot.records, batches.slice(200).flat().length);
  await store.close();
  const again = new MasterState();
  const { store: s2, report } = await MetadataStore.open(dir, again);
  t.equal(report.snapshot, snapshotFile(dir, 2));
  t.equal(report.replayed, batches.slice(200).flat().length);
  t.same(dumpState(again), dumpState(state));
  await s2.close();
});

t.test('an in-process checkpoint (as at shutdown) gives the same state as one from a worker', async (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  const batches = sampleBatches(120);
  const sa = await open(a);
  const sb = await open(b);
  for (const batch of batches.slice(0, 100)) {
    await mutate(sa.state, sa.store, batch);
    await mutate(sb.state, sb.store, batch);
  }
  await sa.store.checkpoint({ inProcess: true });
  await sb.store.checkpoint();
  t.ok(fs.readFileSync(snapshotFile(a, 2)).length > 1000);
  for (const batch of batches.slice(100)) {
    await mutate(sa.state, sa.store, batch);
    await mutate(sb.state, sb.store, batch);
  }
  await sa.store.close();
  await sb.store.close();
  const ra = await open(a);
  const rb = await open(b);
  t.same(dumpState(ra.state), dumpState(stateOf(batches)));
  t.same(dumpState(rb.state), dumpState(stateOf(batches)));
  await ra.store.close();
  await rb.store.close();
});

t.test('a damaged snapshot stops start-up rather than losing the state', async (t) => {
  const dir = tempDir(t);
  const { state, store } = await open(dir);
  for (const b of sampleBatches(50)) await mutate(state, store, b);
  await store.checkpoint();
  await store.close();
  const file = snapshotFile(dir, 2);
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 5));
  await t.rejects(open(dir), /damaged or incomplete/);
});

t.test('a checkpoint worker that fails gives way to a snapshot of the live state', async (t) => {
  const dir = tempDir(t);
  const said: string[] = [];
  const { state, store } = await open(dir, { say: (l) => said.push(l) });
  const batches = sampleBatches(100);
  for (const b of batches) await mutate(state, store, b);
  // damage in the middle of the closed segment the worker replays (the live state has it all)
  const seg = segmentFile(dir, 1);
  const fd = fs.openSync(seg, 'r+');
  fs.writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, Math.floor(fs.statSync(seg).size / 2));
  fs.closeSync(fd);
  await store.checkpoint();
  t.ok(
    said.some((l) => /checkpoint worker failed/.test(l)),
    'the failure is said',
  );
  t.same(listSegments(dir), [3], 'the journal was pruned all the same, after a second rotation');
  t.ok(fs.existsSync(snapshotFile(dir, 3)), 'from a snapshot of the live state');
  await store.close();
  const again = await open(dir);
  t.same(dumpState(again.state), dumpState(state), 'which reopens to the same state');
  await again.store.close();
});

t.test('garbage a node has deleted is forgotten in the journal too, so a worker snapshot drops it', async (t) => {
  const dir = tempDir(t);
  const { state, store } = await open(dir);
  const id = 'c'.repeat(32);
  await mutate(state, store, [
    { op: 'format', time: 1, blockSize: 4096, replicas: 2 },
    { op: 'mknod', ino: 50, parent: 1, name: 'doomed', type: 'file', mode: 0o644, uid: 0, gid: 0, time: 1, replicas: 2, key: 'k' },
    { op: 'commit', ino: 50, size: 10, time: 2, blocks: [{ index: 0, id, size: 10, nodes: ['n1', 'n2'] }] },
    { op: 'unlink', parent: 1, name: 'doomed', time: 3 },
  ]);
  t.same([...(state.blocks.garbage.get(id) ?? [])].sort(), ['n1', 'n2'], 'the unlink made garbage on both nodes');
  // what collectGarbage records once each node has deleted its copy
  await mutate(state, store, [{ op: 'locate', id, remove: ['n1'] }]);
  t.same([...(state.blocks.garbage.get(id) ?? [])], ['n2'], 'one copy left to delete');
  await mutate(state, store, [{ op: 'locate', id, remove: ['n2'] }]);
  t.notOk(state.blocks.garbage.has(id), 'none left');
  await store.checkpoint(); // in a worker, from the journal alone
  await store.close();
  const again = await open(dir);
  t.notOk(again.state.blocks.garbage.has(id), 'the snapshot does not bring it back');
  t.same(dumpState(again.state), dumpState(state));
  await again.store.close();
});
