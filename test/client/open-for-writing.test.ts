// Permission is checked at open, as POSIX has it: a file opened for writing takes its writes,
// truncates and commits through that descriptor whatever its mode is or becomes (a file
// created 0444, or made so after the open), while a new open is refused. pjdfstest's
// ftruncate/00.t found the mount refusing an ftruncate on a file created with mode 0.
import t from 'tap';
import { readAll } from '../helpers/bytes.js';
import { localCluster } from '../helpers/cluster.js';

t.test('a descriptor open for writing writes whatever the mode becomes; a new open is refused', async (t) => {
  const cl = await localCluster(t, { nodes: 1 });
  await cl.admin.addUser('alice', 'alice-password');
  await cl.admin.chmod('/', 0o777);
  const alice = await cl.client('alice', 'alice-password');

  const zero = await alice.create('/zero', 0o000, { read: false, write: true });
  await zero.truncate(0);
  await zero.write(0, Buffer.from('written to a mode-0 file'));
  await zero.close();
  t.equal((await cl.admin.getattr('/zero')).size, 24, 'the bytes are there');

  const h = await alice.create('/ro', 0o644, { read: true, write: true });
  await h.write(0, Buffer.from('before'));
  await h.flush();
  await alice.chmod('/ro', 0o444);
  await h.write(6, Buffer.from(' and after the chmod'));
  await h.truncate(26);
  await h.close();
  t.equal((await readAll(cl.admin, '/ro')).toString(), 'before and after the chmod');
  await t.rejects(alice.openFile('/ro', { read: false, write: true }), { code: 'EACCES' }, 'a new open for writing is refused');

  // a read-only handle opened meanwhile does not take the writer's right away
  const w = await alice.create('/shared', 0o644, { read: true, write: true });
  await alice.chmod('/shared', 0o444);
  const r = await alice.openFile('/shared', { read: true, write: false });
  await w.write(0, Buffer.from('still writable'));
  await w.close();
  await r.close();
  t.equal((await readAll(cl.admin, '/shared')).toString(), 'still writable');
});
