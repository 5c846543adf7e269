// The disk block store: blocks survive a reopen, a damaged or vanished block file reads as
// EIO (and is dropped, so it is neither served nor listed again), leftovers of interrupted
// writes are cleared, a full disk is ENOSPC and never a short block, and the node's identity
// is kept. The v1 fixture pins the file format.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BLOCK_FILE_HEADER_BYTES } from '../../src/protocol/block-format.js';
import { DiskBlockStore } from '../../src/storage/disk-store.js';
import { tempDir } from '../helpers/cluster.js';
import { FIXTURES } from '../fixtures/make-fixtures.js';
import { smallDisk, tmpfsUnavailable } from '../helpers/tmpfs.js';

const id = (n: number): string => n.toString(16).padStart(32, '0');

t.test('blocks, sizes and identity survive a reopen', async (t) => {
  const dir = tempDir(t);
  const a = DiskBlockStore.open(dir);
  const blocks = [randomBytes(10), randomBytes(4 * 1024 * 1024), randomBytes(1)];
  for (const [i, b] of blocks.entries()) await a.put(id(i + 1), b);
  t.equal(a.stats().blockCount, 3);
  t.equal(
    a.stats().used,
    blocks.reduce((n, b) => n + b.length + 16, 0),
    'used counts the files, headers included',
  );
  t.ok(a.stats().capacity > a.stats().used, 'capacity is what we use plus what the disk has free');
  await a.close();
  fs.writeFileSync(path.join(dir, 'tmp', 'half-written'), 'x');
  const b = DiskBlockStore.open(dir);
  t.equal(b.nodeId, a.nodeId, 'the node keeps its id');
  t.same([...b.ids()].sort(), [id(1), id(2), id(3)]);
  t.equal(b.stats().used, a.stats().used);
  for (const [i, want] of blocks.entries()) t.ok((await b.get(id(i + 1)))!.equals(want), `block ${i + 1}`);
  t.same(fs.readdirSync(path.join(dir, 'tmp')), [], 'an interrupted write is cleared at open');
  t.equal(await b.delete(id(2)), true);
  t.equal(await b.delete(id(2)), false);
  t.equal(await b.get(id(2)), undefined);
  t.notOk(fs.existsSync(b.blockFile(id(2))));
  t.equal(b.stats().used, 10 + BLOCK_FILE_HEADER_BYTES + 1 + BLOCK_FILE_HEADER_BYTES);
});

t.test('a flipped byte or a cut file reads as EIO and the copy is dropped', async (t) => {
  const dir = tempDir(t);
  const s = DiskBlockStore.open(dir);
  await s.put(id(7), randomBytes(5000));
  await s.put(id(8), randomBytes(5000));
  const f7 = fs.readFileSync(s.blockFile(id(7)));
  f7[BLOCK_FILE_HEADER_BYTES + 1234] ^= 0x10;
  fs.writeFileSync(s.blockFile(id(7)), f7);
  await t.rejects(s.get(id(7)), { code: 'EIO', message: /corrupt on this node \(checksum mismatch\)/ });
  t.notOk(s.has(id(7)), 'no longer listed');
  t.notOk(fs.existsSync(s.blockFile(id(7))), 'the bad file is gone');
  fs.truncateSync(s.blockFile(id(8)), 3000);
  await t.rejects(s.get(id(8)), { code: 'EIO', message: /holds 2984 bytes, its header says 5000/ });
  t.equal(s.stats().blockCount, 0);
  t.equal(s.stats().used, 0);
});

t.test('a byte range reads just those bytes; a file cut short is EIO and dropped', async (t) => {
  const s = DiskBlockStore.open(tempDir(t));
  const data = randomBytes(200_000);
  await s.put(id(9), data);
  t.ok((await s.getRange(id(9), 65_564, 65_564))!.equals(data.subarray(65_564, 131_128)), 'a middle segment');
  t.ok((await s.getRange(id(9), 196_000, 65_564))!.equals(data.subarray(196_000)), 'cut at the end of the block');
  t.equal((await s.getRange(id(9), 300_000, 10))!.length, 0, 'past the end: nothing');
  t.equal(await s.getRange(id(10), 0, 10), undefined, 'a block not held');
  fs.truncateSync(s.blockFile(id(9)), BLOCK_FILE_HEADER_BYTES + 100_000);
  await t.rejects(s.getRange(id(9), 65_564, 65_564), { code: 'EIO', message: /corrupt on this node \(shorter than it was written\)/ });
  t.notOk(s.has(id(9)), 'the cut copy is no longer listed');
});

t.test('a data dir of another kind or version is refused', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'storage.json'), JSON.stringify({ format: 'dfs-storage', version: 9, nodeId: '0123456789abcdef' }));
  t.throws(() => DiskBlockStore.open(dir), /storage format version 9; this dfs reads 1/);
});

t.test('storage v1 fixture: reads back with the recorded digest', async (t) => {
  const src = path.join(FIXTURES, 'storage-v1');
  const dir = tempDir(t);
  fs.cpSync(src, dir, { recursive: true });
  const want = JSON.parse(fs.readFileSync(path.join(src, 'expected.json'), 'utf8')) as { nodeId: string; blocks: Record<string, string> };
  const s = DiskBlockStore.open(dir);
  t.equal(s.nodeId, want.nodeId);
  for (const [bid, digest] of Object.entries(want.blocks)) {
    const data = await s.get(bid);
    t.equal(createHash('sha256').update(data!).digest('hex'), digest, bid);
  }
});

// On a filling disk a write falls short without an error: a short file must never become a block.
t.test('a filling disk: the put that does not fit fails ENOSPC and leaves nothing behind', { skip: tmpfsUnavailable() }, async (t) => {
  const disk = smallDisk(t, 2);
  const s = DiskBlockStore.open(disk);
  const held = new Map<string, Buffer>();
  let refused: unknown;
  for (let i = 1; i <= 10 && !refused; i++) {
    const data = randomBytes(700_000);
    try {
      await s.put(id(i), data);
      held.set(id(i), data);
    } catch (err) {
      refused = err;
    }
  }
  t.match(refused, { code: 'ENOSPC' }, 'the put that does not fit answers ENOSPC');
  t.ok(held.size >= 2, `${held.size} blocks fit`);
  t.same([...s.ids()].sort(), [...held.keys()].sort(), 'only whole blocks are held');
  for (const [bid, want] of held) t.ok((await s.get(bid))!.equals(want), `${bid} reads back whole`);
  t.same(fs.readdirSync(path.join(disk, 'tmp')), [], 'the partial file is gone');
  const onDisk = [...held.keys()].reduce((n, bid) => n + fs.statSync(s.blockFile(bid)).size, 0);
  t.equal(s.stats().used, onDisk, 'used is what the block files take');
  t.ok(s.stats().used <= 2 * 1024 * 1024, 'and no more than the disk holds');
  t.ok(s.stats().capacity <= 2 * 1024 * 1024, 'capacity is at most the disk');
  const reopened = DiskBlockStore.open(disk);
  t.same([...reopened.ids()].sort(), [...held.keys()].sort(), 'a reopen finds the same blocks');
  await s.delete([...held.keys()][0]);
  await t.resolves(s.put(id(99), randomBytes(700_000)), 'room made by a delete is used again');
});

t.test('--capacity bounds what a node holds and reports', async (t) => {
  const s = DiskBlockStore.open(tempDir(t), { capacityLimit: 100_000 });
  await s.put(id(1), randomBytes(60_000));
  await t.rejects(s.put(id(2), randomBytes(60_000)), { code: 'ENOSPC' }, 'past the limit: ENOSPC');
  t.same([...s.ids()], [id(1)]);
  t.equal(s.stats().capacity, 100_000, 'capacity is the limit when the disk has more');
  t.equal(s.stats().used, 60_000 + BLOCK_FILE_HEADER_BYTES);
});

t.test('stores on one file system name the same volume', async (t) => {
  const base = tempDir(t);
  const a = DiskBlockStore.open(path.join(base, 'a')).stats();
  const b = DiskBlockStore.open(path.join(base, 'b')).stats();
  t.ok(a.volume, 'a disk store says what file system it is on');
  t.equal(a.volume, b.volume);
  t.ok(a.volumeFree! > 0);
});

t.test('a block file deleted from under the store reads as EIO and is forgotten', async (t) => {
  const s = DiskBlockStore.open(tempDir(t));
  await s.put(id(5), randomBytes(1000));
  await s.put(id(6), randomBytes(1000));
  fs.rmSync(s.blockFile(id(5)));
  fs.rmSync(s.blockFile(id(6)));
  await t.rejects(s.get(id(5)), { code: 'EIO', message: /missing from this node's disk/ }, 'a whole read');
  await t.rejects(s.getRange(id(6), 0, 10), { code: 'EIO', message: /missing/ }, 'a range read');
  t.equal(s.stats().blockCount, 0, 'neither is listed any more');
  t.equal(await s.get(id(5)), undefined, 'and then it is simply not held');
});
