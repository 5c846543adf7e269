// TLS on every link: a cluster over wss:// works end to end; plain ws:// to it, a client
// with another CA, and a storage node with another CA are refused.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { WebSocket } from 'ws';
import { ensureLoopbackCerts } from '../../src/cli/certs.js';
import { DfsClient } from '../../src/client/client.js';
import { MemoryBlockStore } from '../../src/storage/memory-store.js';
import { StorageNode } from '../../src/storage/storage-node.js';
import { ADMIN_PASSWORD, localCluster, spawnCluster, tempDir } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';

function loadCerts(dir: string, name: string): { cert: Buffer; key: Buffer; ca: Buffer; caFile: string } {
  const files = ensureLoopbackCerts(path.join(dir, name), `${name} CA`);
  return { cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key), ca: fs.readFileSync(files.ca), caFile: files.ca };
}

t.test('a TLS cluster serves over wss:// and refuses plain ws:// and foreign CAs', async (t) => {
  const dir = tempDir(t);
  const good = loadCerts(dir, 'good');
  const other = loadCerts(dir, 'other');
  const cluster = await localCluster(t, { nodes: 2, tls: good });
  t.match(cluster.url, /^wss:\/\/127\.0\.0\.1:\d+$/, 'the master listens on wss://');
  const nodes = (await cluster.admin.status()).nodes;
  t.equal(nodes.length, 2);
  for (const n of nodes) t.match(n.url, /^wss:\/\//, `storage node ${n.id} advertises wss://`);

  const h = await cluster.admin.create('/secret', 0o600);
  await h.write(0, Buffer.from('over TLS'));
  await h.close();
  const r = await cluster.admin.openFile('/secret', { read: true, write: false });
  t.equal((await r.read(0, 100)).toString(), 'over TLS', 'a file round-trips through wss:// master and nodes');
  await r.close();

  const plainUrl = cluster.url.replace(/^wss:/, 'ws:');
  const plain = new DfsClient(plainUrl);
  t.teardown(() => plain.close());
  const e1 = await refusal(plain.login('admin', ADMIN_PASSWORD));
  t.equal(e1.code, 'ECONNREFUSED', 'plain ws:// to a TLS master is refused');
  t.match(e1.message, /wss:\/\//, 'and the message suggests wss://');

  // the same at the socket level: no WebSocket handshake happens at all
  const raw = await new Promise<string>((resolve) => {
    const ws = new WebSocket(plainUrl);
    ws.on('open', () => resolve('open'));
    ws.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
  });
  t.not(raw, 'open', `a raw ws:// handshake fails (${raw})`);

  const foreign = new DfsClient(cluster.url, { ca: other.ca });
  t.teardown(() => foreign.close());
  const e2 = await refusal(foreign.login('admin', ADMIN_PASSWORD));
  t.equal(e2.code, 'EACCES', 'a client trusting another CA is refused');
  t.equal(e2.reason, 'bad-certificate');
  t.match(e2.message, /--ca/, 'and told to pass the right CA');

  const noCa = new DfsClient(cluster.url);
  t.teardown(() => noCa.close());
  t.equal((await refusal(noCa.login('admin', ADMIN_PASSWORD))).code, 'EACCES', 'a client with no CA is refused');

  // a storage node checks the master's certificate too
  const rogue = new StorageNode({
    masterUrl: cluster.url,
    host: '127.0.0.1',
    port: 0,
    store: new MemoryBlockStore(),
    joinSecret: cluster.master.joinSecret,
    tls: { cert: other.cert, key: other.key },
    ca: other.ca,
  });
  t.teardown(() => rogue.stop());
  t.equal((await refusal(rogue.start())).code, 'EACCES', 'a storage node trusting another CA cannot join');

  // and a client refuses a storage node whose certificate it cannot verify: the block path
  // is checked, not only the master link
  const onlyMaster = new DfsClient(cluster.url, { ca: good.ca });
  t.teardown(() => onlyMaster.close());
  await onlyMaster.login('admin', ADMIN_PASSWORD);
  const fake = new StorageNode({
    masterUrl: cluster.url,
    host: '127.0.0.1',
    port: 0,
    store: new MemoryBlockStore(),
    joinSecret: 'x',
    tls: { cert: other.cert, key: other.key },
  });
  const fakeUrl = await fake.server.listen().then(() => fake.url);
  t.teardown(() => fake.server.close());
  const e3 = await refusal(
    onlyMaster.io.put('0'.repeat(32), 'cap', [{ id: 'fake', url: fakeUrl }], Buffer.from('x')).then((r) => {
      throw r.errors[0];
    }),
  );
  t.equal(e3.code, 'EACCES', 'a storage node with a certificate from another CA is refused by the client');
});

t.test('dfs up --tls: a private CA in the data dir, the CLI logged in over wss://', async (t) => {
  const cluster = await spawnCluster(t, { nodes: 2, args: ['--tls'] });
  t.match(cluster.url, /^wss:\/\//, 'the master URL is wss://');
  const caFile = path.join(cluster.dir, 'data', 'tls', 'ca.pem');
  t.ok(fs.existsSync(caFile), 'ca.pem is in the data dir');
  t.equal(fs.statSync(path.join(cluster.dir, 'data', 'tls', 'server.key')).mode & 0o777, 0o600, 'the server key is 0600');
  t.equal(fs.statSync(path.join(cluster.dir, 'data', 'tls', 'ca.key')).mode & 0o777, 0o600, 'the CA key is 0600');

  const status = await cluster.dfs(['status']);
  t.equal(status.code, 0, `dfs status works with the saved CA: ${status.stderr}`);
  t.match(status.stdout, /wss:\/\/127\.0\.0\.1:\d+/, 'storage nodes are listed with wss:// URLs');

  const src = path.join(cluster.dir, 'hello.txt');
  fs.writeFileSync(src, 'hello over TLS\n');
  t.equal((await cluster.dfs(['put', src, '/hello.txt'])).code, 0, 'put over TLS');
  t.equal((await cluster.dfs(['cat', '/hello.txt'])).stdout, 'hello over TLS\n', 'cat over TLS');

  const otherCa = ensureLoopbackCerts(path.join(cluster.dir, 'other'), 'other CA').ca;
  const wrong = await cluster.dfs(['--ca', otherCa, 'ls', '/']);
  t.equal(wrong.code, 1, 'the CLI with another CA fails');
  t.match(wrong.stderr, /^dfs: cannot verify the certificate of wss:\/\/.*\(EACCES\)\n$/, `one clear line: ${wrong.stderr}`);

  const plain = await cluster.dfs(['--master', cluster.url.replace('wss:', 'ws:'), 'login', '--user', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  t.equal(plain.code, 1, 'logging in over plain ws:// to the TLS master fails');

  const again = await cluster.dfs(['--master', cluster.url, '--ca', caFile, 'login', '--user', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  t.equal(again.code, 0, `login with --ca works: ${again.stderr}`);
  const saved = JSON.parse(fs.readFileSync(path.join(cluster.dir, 'config', 'session.json'), 'utf8')) as { ca?: string };
  t.equal(saved.ca, caFile, 'the login saved the CA path with the session');
});
