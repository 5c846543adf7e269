// A master stopped and started again on the same data dir has everything it had: the
// namespace, users, sessions (a logged-in client carries on) and where every block lives.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { Master } from '../../src/master/master.js';
import { MemoryBlockStore } from '../../src/storage/memory-store.js';
import { StorageNode } from '../../src/storage/storage-node.js';
import { ADMIN_PASSWORD, tempDir } from '../helpers/cluster.js';
import { sha } from '../helpers/bytes.js';

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('stop and start: namespace, users, sessions and data are all there', async (t) => {
  const dir = path.join(tempDir(t), 'master');
  const opts = { host: '127.0.0.1', dataDir: dir, adminPassword: ADMIN_PASSWORD, heartbeatMs: 200, replicas: 2 };
  let master = new Master({ ...opts, port: 0 });
  const { url } = await master.start();
  const port = Number(new URL(url).port);
  t.teardown(() => master.stop());
  const nodes: StorageNode[] = [];
  for (let i = 0; i < 2; i++) {
    const node = new StorageNode({ masterUrl: url, host: '127.0.0.1', port: 0, store: new MemoryBlockStore(), joinSecret: master.joinSecret, heartbeatMs: 200 });
    await node.start();
    t.teardown(() => node.stop());
    nodes.push(node);
  }
  const c = new DfsClient(url);
  t.teardown(() => c.close());
  await c.login('admin', ADMIN_PASSWORD);
  await c.addUser('alice', 'alice-password-1');
  await c.mkdir('/docs', 0o750);
  const data = randomBytes(5 * 1024 * 1024 + 17);
  const h = await c.create('/docs/report', 0o640);
  await h.write(0, data);
  await h.close();
  await c.rename('/docs/report', '/docs/final');
  await c.symlink('/docs/final', '/latest');
  const before = await c.getattr('/docs/final');

  await master.stop();
  master = new Master({ ...opts, port });
  const started = await master.start();
  t.ok(started.loaded.snapshot, 'a clean stop leaves a snapshot to start from');
  t.equal(started.generatedAdminPassword, undefined, 'the admin exists already');
  await waitFor('both nodes to register again', () => master.nodes.alive().length === 2);

  // the same client, with its old session token, carries on
  t.same(await c.getattr('/docs/final'), before);
  t.equal(await c.readlink('/latest'), '/docs/final');
  t.same(
    (await c.readdir('/docs')).map((e) => e.name),
    ['final'],
  );
  const r = await c.openFile('/latest', { read: true, write: false });
  t.equal(sha(await r.read(0, data.length)), sha(data));
  await r.close();
  t.ok((await c.listUsers()).some((u) => u.name === 'alice'));
  const alice = new DfsClient(url);
  t.teardown(() => alice.close());
  await alice.login('alice', 'alice-password-1');
  await t.rejects(alice.getattr('/docs/final'), { code: 'EACCES' });

  // and once more, with a change made since the last start
  await c.mkdir('/after-restart', 0o755);
  await master.stop();
  master = new Master({ ...opts, port });
  await master.start();
  t.ok((await c.readdir('/')).some((e) => e.name === 'after-restart'));
});
