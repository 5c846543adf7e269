// Every call to the master rides out a short restart, as uploads and commits do: calls made
// while it is down are sent again until it is back, through the client library and through
// a mount. A change whose reply was lost is not made twice: the retry carries the first
// try's request id and the master, which journaled it with the change, answers it as done
// (a mkdir does not come back EEXIST, an unlink ENOENT), also across a restart. When the
// master stays away the call fails with an errno that says so, not ENOTCONN.
import path from 'node:path';
import t from 'tap';
import { WebSocketServer } from 'ws';
import { DfsClient } from '../../src/client/client.js';
import { callMaster } from '../../src/client/master-calls.js';
import { Master } from '../../src/master/master.js';
import { RpcClient } from '../../src/rpc/client.js';
import { ADMIN_PASSWORD, localCluster, tempDir } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';
import { fuseUnavailable, mount } from '../helpers/mount.js';
import { splitCluster } from '../helpers/split-cluster.js';

t.test('metadata calls made while the master restarts succeed once it is back', async (t) => {
  const cl = await splitCluster(t, { nodes: 1 });
  const c = await cl.client();
  await c.mkdir('/d', 0o755);
  const f = await c.create('/d/old', 0o644);
  await f.close();
  await cl.master!.stop();
  const calls = {
    mkdir: c.mkdir('/d/new', 0o755),
    create: c.create('/d/file', 0o644).then((h) => h.close()),
    rename: c.rename('/d/old', '/d/renamed'),
    getattr: c.getattr('/d'),
    readdir: c.readdir('/'),
    symlink: c.symlink('/d', '/link'),
    chmod: c.chmod('/d', 0o750),
  };
  await new Promise((r) => setTimeout(r, 3000)); // down for 3 s
  await cl.startMaster();
  for (const [name, p] of Object.entries(calls))
    await t.resolves(
      p.then(() => undefined),
      `${name} rode out the restart`,
    );
  t.same((await c.readdir('/d')).map((e) => e.name).sort(), ['file', 'new', 'renamed']);
});

t.test('through a mount: mkdir, touch and mv during a master restart', { skip: fuseUnavailable() }, async (t) => {
  const cl = await splitCluster(t, { nodes: 1 });
  await cl.dfs(['whoami']); // the saved login the mount uses
  const mnt = await mount(t, cl);
  await mnt.sh('mkdir a && touch a/f');
  await cl.master!.stop();
  // the shell enters the mount itself: a spawn whose cwd is in the mount would block this
  // process (spawn waits for the child's chdir) while the master it has to restart is down
  const ops = mnt.sh(`cd '${mnt.dir}' && mkdir b && touch b/g && mv a/f a/h && ls a b`, { cwd: '/' });
  await new Promise((r) => setTimeout(r, 3000));
  await cl.startMaster();
  const r = await ops;
  t.equal(r.code, 0, `the commands succeed: ${r.stderr}`);
  t.same(r.stdout.split('\n').filter(Boolean), ['a:', 'h', '', 'b:', 'g'].filter(Boolean));
});

t.test('a change whose reply was lost is answered as done on the retry, not done twice', async (t) => {
  const cl = await localCluster(t, { nodes: 1 });
  const m = cl.master;
  // the next change is made and journaled, and then the connection drops before the reply
  let dropNext = false;
  const inner = m.log;
  m.log = {
    append: async (records) => {
      await inner.append(records);
      if (dropNext) {
        dropNext = false;
        for (const p of m.server.peers) p.ws.terminate();
      }
    },
    close: () => inner.close(),
  };
  const c = cl.admin;
  const lose = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    dropNext = true;
    const out = await op();
    t.notOk(dropNext, `${what}: its first reply was lost`);
    return out;
  };
  const attr = await lose('mkdir', () => c.mkdir('/made', 0o700));
  t.equal(attr.mode & 0o777, 0o700, 'mkdir succeeds, with the directory made by the first try');
  const h = await lose('exclusive create', () => c.create('/new', 0o600, { read: true, write: true, exclusive: true }));
  await h.write(0, Buffer.from('hello'));
  await lose('commit', () => h.close());
  await lose('rename', () => c.rename('/new', '/renamed'));
  await lose('link', () => c.link('/renamed', '/hard'));
  await lose('unlink', () => c.unlink('/hard'));
  await lose('rmdir', () => c.rmdir('/made'));
  await lose('user.add', () => c.addUser('zoe', 'zoe-password'));
  t.same(
    (await c.readdir('/')).map((e) => e.name),
    ['renamed'],
  );
  t.equal((await c.getattr('/renamed')).size, 5);
  t.equal((await c.getattr('/renamed')).nlink, 1, 'the link made once and removed once');
  t.equal((await refusal(c.mkdir('/renamed', 0o755))).code, 'EEXIST', 'a new request for the same change is refused as before');
});

t.test('a request id outlives a master restart', async (t) => {
  const dir = path.join(tempDir(t), 'master');
  const opts = { host: '127.0.0.1', dataDir: dir, adminPassword: ADMIN_PASSWORD };
  let master = new Master({ ...opts, port: 0 });
  const { url } = await master.start();
  t.teardown(() => master.stop());
  const c = new DfsClient(url);
  t.teardown(() => c.close());
  await c.login('admin', ADMIN_PASSWORD);
  const raw = (rid: string): Promise<unknown> => c.master.call('fs.mkdir', { token: c.token, path: '/once', mode: 0o755, rid });
  await raw('first-try-of-this-mkdir');
  // a crash, not a clean stop: the request must be in the journal, not only in a snapshot
  await master.server.close(0);
  await master.log.close();
  master = new Master({ ...opts, port: Number(new URL(url).port) });
  await master.start();
  await t.resolves(raw('first-try-of-this-mkdir'), 'the retry after the restart is answered as done');
  t.equal((await refusal(raw('another-request'))).code, 'EEXIST', 'another request is refused');
});

t.test('a master that stays away: ECONNREFUSED or ETIMEDOUT, never ENOTCONN', async (t) => {
  // a server that takes connections and drops each one as soon as a call arrives
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', () => ws.terminate()));
  t.teardown(() => new Promise((r) => wss.close(r)));
  const dropping = new RpcClient(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
  t.teardown(() => dropping.close());
  const e1 = await refusal(callMaster(dropping, 'fs.getattr', { path: '/' }, { retryMs: 1000 }));
  t.equal(e1.code, 'ETIMEDOUT', `connections that drop: ${e1.message}`);

  const port = (wss.address() as { port: number }).port;
  await new Promise((r) => wss.close(r));
  const refused = new RpcClient(`ws://127.0.0.1:${port}`);
  t.teardown(() => refused.close());
  const t0 = Date.now();
  const e2 = await refusal(callMaster(refused, 'fs.getattr', { path: '/' }, { retryMs: 1000 }));
  t.equal(e2.code, 'ECONNREFUSED', 'nobody listening');
  t.ok(Date.now() - t0 >= 900, 'after trying for the time given');
});
