// Replication factors: a directory's factor passes to the files made in it, and changing a
// file's factor moves its existing blocks to the new number of copies (up and down).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { Master } from '../../src/master/master.js';
import { MemoryBlockStore } from '../../src/storage/memory-store.js';
import { StorageNode } from '../../src/storage/storage-node.js';
import { ADMIN_PASSWORD, tempDir } from '../helpers/cluster.js';
import { eventually } from '../helpers/split-cluster.js';

t.test('factors: inherited from the directory, and applied to existing blocks when changed', async (t) => {
  const dir = tempDir(t);
  const master = new Master({
    host: '127.0.0.1', port: 0, dataDir: path.join(dir, 'master'), adminPassword: ADMIN_PASSWORD, heartbeatMs: 100,
    replicas: 2, replication: { graceMs: 0 },
  });
  const { url } = await master.start();
  t.teardown(() => master.stop());
  const stores: MemoryBlockStore[] = [];
  for (let i = 0; i < 4; i++) {
    const store = new MemoryBlockStore();
    const node = new StorageNode({ masterUrl: url, host: '127.0.0.1', port: 0, store, joinSecret: master.joinSecret, heartbeatMs: 100 });
    await node.start();
    t.teardown(() => node.stop());
    stores.push(store);
  }
  const c = new DfsClient(url);
  t.teardown(() => c.close());
  await c.login('admin', ADMIN_PASSWORD);
  const copies = (id: string): number => stores.filter((s) => s.has(id)).length;
  const blocksOf = (p: string): string[] => {
    const dirIno = master.state.ns.get(1)!.entries!.get(p.split('/')[1])!;
    let n = master.state.ns.get(dirIno)!;
    if (p.split('/').length > 2) n = master.state.ns.get(n.entries!.get(p.split('/')[2])!)!;
    return n.blocks!.filter((b) => b !== null).map((b) => b.id);
  };

  t.equal((await c.getattr('/')).replicas, 2, 'the cluster default is the root\'s factor');
  await c.mkdir('/triple', 0o755);
  await c.setReplicas('/triple', 3);
  await c.mkdir('/triple/inner', 0o755);
  t.equal((await c.getattr('/triple/inner')).replicas, 3, 'a new directory inherits its parent\'s factor');
  const h = await c.create('/triple/f', 0o644);
  await h.write(0, randomBytes(9 * 1024 * 1024));
  await h.close();
  t.equal((await c.getattr('/triple/f')).replicas, 3, 'a new file inherits its directory\'s factor');
  const ids = blocksOf('/triple/f');
  t.equal(ids.length, 3);
  t.same(ids.map(copies), [3, 3, 3], 'every block written to three nodes');

  await c.setReplicas('/triple/f', 1);
  await eventually('blocks trimmed to one copy', () => (ids.every((id) => copies(id) === 1) ? true : undefined), 20_000);
  t.pass('lowering the factor trims the extra copies');
  await c.setReplicas('/triple/f', 4);
  await eventually('blocks copied to four nodes', () => (ids.every((id) => copies(id) === 4) ? true : undefined), 20_000);
  t.pass('raising the factor copies the blocks out');
  const s = await c.status();
  t.same([s.underReplicated, s.missing, s.corrupt], [0, 0, 0]);
});
