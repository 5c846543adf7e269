// Small writes into big files (src/master/block-overlays.ts): a write of a few bytes in the
// middle of a stored block uploads the 4 KiB pages it touched, as an overlay, not the
// whole block; overlays pile up only so far before they fold; a truncate, a write of most
// of a block and a write from another client each leave the right bytes; and the master
// keeps overlays across a restart and refuses malformed ones.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { DfsClient } from '../../src/client/client.js';
import type { Inode } from '../../src/master/namespace.js';
import { MetadataStore } from '../../src/master/persistence.js';
import { loadSnapshot, writeSnapshot } from '../../src/master/snapshot.js';
import { MasterState } from '../../src/master/state.js';
import { PAGE, SEGMENT } from '../../src/protocol/block-format.js';
import { refusal } from '../helpers/bytes.js';
import { localCluster, tempDir, type LocalCluster } from '../helpers/cluster.js';
import { dumpState } from '../helpers/master-state.js';

const BLOCK = 16 * SEGMENT; // 1 MiB blocks of 16 segments

async function writeFile(c: DfsClient, name: string, data: Buffer): Promise<void> {
  const h = await c.create(name, 0o644);
  await h.write(0, data);
  await h.close();
}

async function readFile(c: DfsClient, name: string): Promise<Buffer> {
  const h = await c.openFile(name, { read: true, write: false });
  const got = await h.read(0, 64 * BLOCK);
  await h.close();
  return got;
}

/** Writes `data` at `pos` of `name` and closes, as one small edit. */
async function edit(c: DfsClient, name: string, pos: number, data: Buffer, expect?: Buffer): Promise<void> {
  const h = await c.openFile(name, { read: true, write: true });
  await h.write(pos, data);
  await h.close();
  if (expect) data.copy(expect, pos);
}

function inodeOf(cl: LocalCluster, name: string): Inode {
  const ns = cl.master.state.ns;
  const ino = ns.inodes.get(1)!.entries!.get(name)!;
  return ns.inodes.get(ino)!;
}

/** Counts the block puts a client makes, and their bytes. */
function countPuts(c: DfsClient): { puts: number; bytes: number } {
  const seen = { puts: 0, bytes: 0 };
  const put = c.io.put.bind(c.io);
  c.io.put = (...args: Parameters<typeof put>) => {
    seen.puts++;
    seen.bytes += args[3].length;
    return put(...args);
  };
  return seen;
}

t.test('a small write in the middle of a block uploads its page, not the block', async (t) => {
  const cl = await localCluster(t, { nodes: 2, replicas: 2, blockSize: BLOCK });
  const c = cl.admin;
  const want = randomBytes(3 * BLOCK);
  await writeFile(c, '/f', want);
  const before = inodeOf(cl, 'f').blocks![1]!.id;
  const seen = countPuts(c);
  await edit(c, '/f', BLOCK + 5 * SEGMENT + 100, Buffer.from('hello, overlay'), want);
  t.equal(seen.puts, 1, 'one object (to both copies)');
  t.ok(seen.bytes <= PAGE + 28, `${seen.bytes} bytes sealed: one page`);
  const slot = inodeOf(cl, 'f').blocks![1]!;
  t.equal(slot.id, before, 'the block stays');
  t.same(
    slot.over?.map((o) => o.pages),
    [[Math.floor((5 * SEGMENT + 100) / PAGE)]],
    'an overlay of the page written lies over it',
  );
  t.ok((await readFile(c, '/f')).equals(want), 'the file reads the new bytes among the old');
  const other = await cl.client('admin', 'admin-test-password');
  t.ok((await readFile(other, '/f')).equals(want), 'and so does another client');
});

t.test('overlays pile up only so far: they fold, and a write of most of a block makes a new block', async (t) => {
  const big = 2 * BLOCK;
  const cl = await localCluster(t, { nodes: 1, blockSize: big });
  const c = cl.admin;
  const want = randomBytes(big);
  await writeFile(c, '/f', want);
  let most = 0;
  let folds = 0;
  for (let i = 0; i < 30; i++) {
    const before = inodeOf(cl, 'f').blocks![0]!.over?.length ?? 0;
    await edit(c, '/f', (i % 20) * SEGMENT + 1000 * i, randomBytes(10), want);
    const after = inodeOf(cl, 'f').blocks![0]!.over?.length ?? 0;
    if (after > 0 && after < before) folds++;
    most = Math.max(most, after);
    t.ok((await readFile(c, '/f')).equals(want), `after edit ${i}`);
  }
  t.ok(most <= 9, `at most ${most} overlays on the slot`);
  t.ok(folds > 0, `overlays folded into one ${folds} time(s)`);
  // most of the block rewritten in small pieces: it goes whole, with no overlays
  const h = await c.openFile('/f', { read: true, write: true });
  for (let k = 0; k < 17; k++) {
    const bytes = randomBytes(SEGMENT);
    await h.write(k * SEGMENT, bytes);
    bytes.copy(want, k * SEGMENT);
  }
  await h.close();
  t.equal(inodeOf(cl, 'f').blocks![0]!.over, undefined, 'a new block and no overlays');
  t.ok((await readFile(c, '/f')).equals(want), 'with every byte right');
});

t.test('a truncate into a slot with overlays cuts them too: growing again reads zeros', async (t) => {
  const cl = await localCluster(t, { nodes: 1, blockSize: BLOCK });
  const c = cl.admin;
  const want = randomBytes(BLOCK);
  await writeFile(c, '/f', want);
  await edit(c, '/f', 9 * SEGMENT + 5, randomBytes(3000), want);
  t.ok(inodeOf(cl, 'f').blocks![0]!.over?.length, 'an overlay');
  const h = await c.openFile('/f', { read: true, write: true });
  await h.truncate(4 * SEGMENT + 11);
  await h.truncate(BLOCK);
  await h.close();
  const expect = Buffer.concat([want.subarray(0, 4 * SEGMENT + 11), Buffer.alloc(BLOCK - 4 * SEGMENT - 11)]);
  t.ok((await readFile(c, '/f')).equals(expect), 'the bytes past the cut, overlay and block alike, are gone');
});

t.test("two clients' small writes into one block both survive", async (t) => {
  const cl = await localCluster(t, { nodes: 1, blockSize: BLOCK });
  const a = cl.admin;
  const b = await cl.client('admin', 'admin-test-password');
  const want = randomBytes(BLOCK);
  await writeFile(a, '/f', want);
  const ha = await a.openFile('/f', { read: true, write: true });
  const hb = await b.openFile('/f', { read: true, write: true });
  // both hold the block list from before either write: b's commit finds a's overlay on top
  await ha.write(2 * SEGMENT + 3, Buffer.from('from a'));
  await hb.write(2 * SEGMENT + 40, Buffer.from('from b'));
  await hb.write(11 * SEGMENT, Buffer.from('b again'));
  await ha.close();
  await hb.close();
  Buffer.from('from a').copy(want, 2 * SEGMENT + 3);
  Buffer.from('from b').copy(want, 2 * SEGMENT + 40);
  Buffer.from('b again').copy(want, 11 * SEGMENT);
  t.ok((await readFile(a, '/f')).equals(want), "every client's bytes, and the old ones around them");
});

t.test('overlays survive a restart, by journal and by snapshot, and go to garbage when folded away', async (t) => {
  const dataDir = path.join(tempDir(t), 'master');
  const first = await localCluster(t, { nodes: 1, dataDir, blockSize: BLOCK });
  const want = randomBytes(2 * BLOCK);
  await writeFile(first.admin, '/f', want);
  await edit(first.admin, '/f', 3 * SEGMENT, randomBytes(500), want);
  await edit(first.admin, '/f', BLOCK + 7 * SEGMENT + 9, randomBytes(500), want);
  const dumped = dumpState(first.master.state);
  const file = path.join(tempDir(t), 'snap.dfs');
  const fd = fs.openSync(file, 'w');
  writeSnapshot(first.master.state, fd, 1);
  fs.closeSync(fd);
  const snapshotted = new MasterState();
  loadSnapshot(file, snapshotted);
  t.same(dumpState(snapshotted), dumped, 'a snapshot keeps the overlays');
  const crashed = tempDir(t);
  for (const f of fs.readdirSync(dataDir)) if (f.startsWith('journal-') || f.startsWith('snapshot-')) fs.copyFileSync(path.join(dataDir, f), path.join(crashed, f));
  const replayed = new MasterState();
  const { store } = await MetadataStore.open(crashed, replayed);
  await store.close();
  t.same(dumpState(replayed), dumped, 'so does the journal');
  await first.master.stop();
  for (const n of first.nodes) await n.stop();

  // the same node and store again: only the master's state is under test
  const again = await localCluster(t, { nodes: 1, dataDir, blockSize: BLOCK, store: () => first.stores[0] });
  t.ok((await readFile(again.admin, '/f')).equals(want), 'the file reads the same after a restart');
  const overlay = inodeOf(again, 'f').blocks![0]!.over![0].id;
  // rewriting the slot whole drops its overlay: the object is garbage
  await edit(again.admin, '/f', 0, randomBytes(BLOCK), want);
  t.notOk(again.master.state.blocks.get(overlay), 'the overlay is referenced no more');
  t.ok(again.master.state.blocks.garbage.has(overlay), 'and is garbage to collect');
  t.ok((await readFile(again.admin, '/f')).equals(want), 'and the file is right');
});

t.test('the master refuses malformed overlays and leaves the file as it was', async (t) => {
  const cl = await localCluster(t, { nodes: 1, blockSize: BLOCK });
  const c = cl.admin;
  const want = randomBytes(BLOCK + 100);
  await writeFile(c, '/f', want);
  const open = (await c.callRaw('fs.open', { path: '/f', read: true, write: true })).meta as { ticket: string; attr: { ino: number }; spare?: { id: string }[] };
  const ino = open.attr.ino;
  const ids = ((await c.callRaw('fs.allocate', { ino, ticket: open.ticket, count: 4 })).meta as { blocks: { id: string }[] }).blocks.map((b) => b.id);
  const node = cl.nodes[0].id;
  const slots = inodeOf(cl, 'f').blocks!;
  const head = slots[0]!.id;
  const bad = [
    { what: 'pages out of order', block: { index: 0, id: ids[0], size: 2 * PAGE, nodes: [node], base: head, pages: [3, 2] } },
    { what: 'a size its pages cannot hold', block: { index: 0, id: ids[0], size: 3 * PAGE, nodes: [node], base: head, pages: [3] } },
    { what: 'a page past the block', block: { index: 0, id: ids[0], size: PAGE, nodes: [node], base: head, pages: [BLOCK / PAGE] } },
    { what: 'no block to lie over', block: { index: 3, id: ids[1], size: PAGE, nodes: [node], base: null, pages: [0] } },
  ];
  for (const { what, block } of bad) {
    const e = await refusal(c.callRaw('fs.commit', { ino, ticket: open.ticket, size: BLOCK + 100, blocks: [block] }));
    t.equal(e.code, 'EINVAL', what);
  }
  const stale = await refusal(
    c.callRaw('fs.commit', { ino, ticket: open.ticket, size: BLOCK + 100, blocks: [{ index: 0, id: ids[2], size: PAGE, nodes: [node], base: ids[3], pages: [1] }] }),
  );
  t.equal(stale.code, 'EAGAIN', 'an overlay on a head that is not the present one is stale');
  t.same(inodeOf(cl, 'f').blocks, slots, 'the block list is as it was');
  t.ok((await readFile(c, '/f')).equals(want), 'and so are the bytes');
});
