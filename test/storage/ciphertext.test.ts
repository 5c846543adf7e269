// Storage nodes hold only ciphertext, and a flipped bit is caught, never returned as data.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ADMIN_PASSWORD, localCluster, storedBlocks } from '../helpers/cluster.js';
import type { MemoryBlockStore } from '../../src/storage/memory-store.js';

t.test('no plaintext on any storage node', async (t) => {
  const cl = await localCluster(t, { nodes: 3, replicas: 2 });
  // a recognisable plaintext: repeated text, and a random file
  const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(200_000));
  const random = randomBytes(5 * 1024 * 1024);
  for (const [name, data] of [
    ['text', text],
    ['random', random],
  ] as const) {
    const h = await cl.admin.create(`/${name}`, 0o644);
    await h.write(0, data);
    await h.close();
  }
  const blocks = await storedBlocks(cl.stores);
  t.ok(blocks.length >= 4, `blocks were stored (${blocks.length})`);
  const needles = [text.subarray(0, 64), text.subarray(1_000_000, 1_000_064), random.subarray(0, 64), random.subarray(4_500_000, 4_500_064)];
  for (const b of blocks) {
    for (const n of needles) t.equal(b.indexOf(n), -1, 'plaintext absent from a stored block');
  }
  t.ok(
    blocks.every((b) => b.indexOf(Buffer.from('quick brown fox')) === -1),
    'not even a phrase survives',
  );
});

t.test('a flipped bit in every replica fails the read with EIO', async (t) => {
  const cl = await localCluster(t, { nodes: 2, replicas: 2 });
  const data = randomBytes(100_000);
  const h = await cl.admin.create('/victim', 0o644);
  await h.write(0, data);
  await h.close();
  const stores = cl.stores as MemoryBlockStore[];
  let flipped = 0;
  for (const s of stores) {
    for (const id of s.ids()) {
      const b = (await s.get(id))!;
      b[500] ^= 0x01; // the stored buffer itself: this is the bytes on the node
      flipped++;
    }
  }
  t.equal(flipped, 2, 'both replicas altered');
  // a fresh client: the writer's cache still holds the plaintext it wrote
  const reader = await cl.client('admin', ADMIN_PASSWORD);
  const r = await reader.openFile('/victim', { read: true, write: false });
  await t.rejects(r.read(0, 100_000), { code: 'EIO' }, 'read fails with EIO');
  await r.close();
});

t.test('a flipped bit in the first replica: the other copy is read and the bad one reported', async (t) => {
  const cl = await localCluster(t, { nodes: 2, replicas: 2 });
  const data = randomBytes(100_000);
  const h = await cl.admin.create('/half', 0o644);
  await h.write(0, data);
  await h.close();
  const [id, info] = [...cl.master.state.blocks.blocks][0];
  const first = [...info.nodes][0];
  const store = cl.stores[cl.nodes.findIndex((n) => n.id === first)] as MemoryBlockStore;
  (await store.get(id))![100] ^= 0x80;
  const reader = await cl.client('admin', ADMIN_PASSWORD);
  const r = await reader.openFile('/half', { read: true, write: false });
  t.ok((await r.read(0, 100_000)).equals(data), 'right bytes from the good replica');
  await r.close();
  for (let i = 0; i < 50 && !info.suspect?.has(first); i++) await new Promise((res) => setTimeout(res, 20));
  // kept (there is nowhere to make a good copy in its place) but no longer trusted
  t.ok(info.suspect?.has(first), 'the master marked the corrupt replica suspect');
  const listed = (await reader.callRaw('fs.open', { path: '/half', read: true })).meta.blocks as { nodes: { id: string }[] }[];
  t.not(listed[0].nodes[0].id, first, 'and offers it to readers last');
});
