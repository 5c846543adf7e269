// A writer gets a block id with its open, so its first upload does not wait for
// fs.allocate; an id it never used goes back to the master when the file is closed.
import t from 'tap';
import { localCluster } from '../helpers/cluster.js';

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

t.test('create hands out a block id; a small write uses it; an unused one is returned', async (t) => {
  const cl = await localCluster(t, { nodes: 1, replicas: 1 });
  const c = cl.admin;
  const allocations = cl.master.allocations;
  const calls: string[] = [];
  const call = c.call.bind(c);
  c.call = (method, meta) => {
    calls.push(method);
    return call(method, meta);
  };

  let h = await c.create('/written', 0o644);
  t.equal(allocations.size, 1, 'the create came with one block id');
  await h.write(0, Buffer.from('hello'));
  await h.close();
  t.notOk(calls.includes('fs.allocate'), `no fs.allocate on the way to close (${calls.join(', ')})`);
  t.equal(allocations.size, 0, 'the commit used it up');

  h = await c.create('/touched', 0o644);
  t.equal(allocations.size, 1, 'a second create, a second id');
  await h.close();
  t.ok(await until(() => allocations.size === 0), 'closing without a write gave the id back (fs.unallocate)');

  // the master takes back only ids of the file named, and only from its writer
  h = await c.openFile('/written', { read: true, write: true });
  const id = [...allocations.ids()][0];
  await t.rejects(c.call('fs.unallocate', { ino: 999_999, ticket: 'x', ids: [id] }), 'an unknown file: refused');
  t.ok(allocations.has(id), 'and the id is still there');
  await h.close();
  t.ok(await until(() => allocations.size === 0), 'an open for writing, closed unused, gives its id back too');
  const r = await c.openFile('/written', { read: true, write: false });
  t.equal((await r.read(0, 100)).toString(), 'hello', 'the small file reads back');
  await r.close();
});
