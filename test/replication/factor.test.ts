// Replication factors: a directory's factor passes to the files made in it, and changing a
// file's factor moves its existing blocks to the new number of copies (up and down).
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { localCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/split-cluster.js';

t.test('factors: inherited from the directory, and applied to existing blocks when changed', async (t) => {
  const cl = await localCluster(t, { nodes: 4, replicas: 2, heartbeatMs: 100, replication: { graceMs: 0 } });
  const { master, stores } = cl;
  const c = cl.admin;
  const copies = (id: string): number => stores.filter((s) => s.has(id)).length;
  const blocksOf = (p: string): string[] => {
    const dirIno = master.state.ns.get(1)!.entries!.get(p.split('/')[1])!;
    let n = master.state.ns.get(dirIno)!;
    if (p.split('/').length > 2) n = master.state.ns.get(n.entries!.get(p.split('/')[2])!)!;
    return n.blocks!.filter((b) => b !== null).map((b) => b.id);
  };

  t.equal((await c.getattr('/')).replicas, 2, "the cluster default is the root's factor");
  await c.mkdir('/triple', 0o755);
  await c.setReplicas('/triple', 3);
  await c.mkdir('/triple/inner', 0o755);
  t.equal((await c.getattr('/triple/inner')).replicas, 3, "a new directory inherits its parent's factor");
  const h = await c.create('/triple/f', 0o644);
  await h.write(0, randomBytes(9 * 1024 * 1024));
  await h.close();
  t.equal((await c.getattr('/triple/f')).replicas, 3, "a new file inherits its directory's factor");
  const ids = blocksOf('/triple/f');
  t.equal(ids.length, 3);
  t.same(ids.map(copies), [3, 3, 3], 'every block written to three nodes');

  await c.setReplicas('/triple/f', 1);
  await eventually('blocks trimmed to one copy', () => (ids.every((id) => copies(id) === 1) ? true : undefined), 20_000);
  t.pass('lowering the factor trims the extra copies');
  await c.setReplicas('/triple/f', 4);
  await eventually('blocks copied to four nodes', () => (ids.every((id) => copies(id) === 4) ? true : undefined), 20_000);
  t.pass('raising the factor copies the blocks out');
  // the counts are as of the master's last scan, which may come a moment after the copies
  const s = await eventually(
    'the master to count every copy',
    async () => {
      const st = await c.status();
      return st.underReplicated === 0 && st.missing === 0 && st.corrupt === 0 ? st : undefined;
    },
    20_000,
  );
  t.same([s.underReplicated, s.missing, s.corrupt], [0, 0, 0], 'and the master counts nothing under-replicated, missing or corrupt');
});
