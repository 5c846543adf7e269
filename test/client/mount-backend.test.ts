// The client library's backend for the by-inode mount, without a kernel: an idle mount keeps
// its connection to the master alive (the master closes silent connections, which would end
// the mount's leases), and stops when it is closed; an open file zeros a range (fallocate's
// punch and zero range) at its offsets.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { DEFAULTS } from '../../src/defaults.js';
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

t.test('an open file zeros a range where it is, through an O_APPEND handle too, and knows its largest size', async (t) => {
  const bs = 64 * 1024;
  const cl = await localCluster(t, { nodes: 1, blockSize: bs });
  const backend = new ClientMountBackend(await cl.client('admin', ADMIN_PASSWORD));
  t.teardown(() => backend.close());
  const root = await backend.root();
  const { entry, file } = await backend.create({ ino: 1, ticket: root.ticket }, 'z', 0o644, { read: true, write: true, exclusive: true });
  const node = { ino: entry.attr.ino, ticket: entry.ticket };
  const data = randomBytes(3 * bs + 100);
  t.equal(await file.write(0, data), data.length);
  await file.flush();
  t.equal(file.maxSize, DEFAULTS.maxBlocksPerFile * bs);

  // from inside block 0 to inside block 2: block 1 whole, and nothing at the end of the file
  const appending = await backend.open(node, { read: true, write: true, append: true });
  await appending.zero(bs - 10, bs + 20);
  const want = Buffer.from(data);
  want.fill(0, bs - 10, 2 * bs + 10);
  t.equal(appending.getattr().size, data.length, 'the size stays');
  const got = Buffer.alloc(data.length);
  t.equal(await file.readInto(0, got), data.length);
  t.ok(got.equals(want), 'zeros in the range, the bytes around it kept (seen by the other handle at once)');
  await appending.close();

  // another client reads the zeros once they are published
  const reader = new ClientMountBackend(await cl.client('admin', ADMIN_PASSWORD));
  t.teardown(() => reader.close());
  const found = await reader.lookup({ ino: 1, ticket: (await reader.root()).ticket }, 'z');
  const ro = await reader.open({ ino: found.attr.ino, ticket: found.ticket }, { read: true, write: false });
  const again = Buffer.alloc(data.length);
  t.equal(await ro.readInto(0, again), data.length);
  t.ok(again.equals(want), 'published');
  await t.rejects(ro.zero(0, 1), { code: 'EBADF' }, 'not open for writing');
  await ro.close();
  await file.close();
});
