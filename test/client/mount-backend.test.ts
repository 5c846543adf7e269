// The client library's backend for the by-inode mount, without a kernel: an idle mount keeps
// its connection to the master alive (the master closes silent connections, which would end
// the mount's leases), and stops when it is closed.
import t from 'tap';
import { ClientMountBackend } from '../../src/client/mount-backend.js';
import { ADMIN_PASSWORD, localCluster } from '../helpers/cluster.js';

t.test('an idle mount speaks to the master now and then, and not once closed', async (t) => {
  const cl = await localCluster(t, { nodes: 1 });
  const client = await cl.client('admin', ADMIN_PASSWORD);
  let pings = 0;
  const ping = client.ping.bind(client);
  client.ping = async () => {
    pings++;
    await ping();
  };
  const backend = new ClientMountBackend(client, undefined, 30);
  const root = await backend.root();
  t.equal(root.attr.ino, 1);
  await new Promise((res) => setTimeout(res, 250));
  t.ok(pings >= 3, `${pings} keepalive calls in 250 ms`);
  backend.close();
  const after = pings;
  await new Promise((res) => setTimeout(res, 150));
  t.equal(pings, after, 'none after close');
});
