// Block capabilities: a storage node serves a block only against a fresh capability the
// master signed for that block and operation; its control methods are not reachable from
// outside; and a user who may not read a file gets no capability for its blocks.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { RpcClient } from '../../src/rpc/client.js';
import { signCapability } from '../../src/protocol/capability.js';
import { localCluster } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';

t.test('a storage node refuses stolen block ids, expired and foreign capabilities', async (t) => {
  const cluster = await localCluster(t, { nodes: 1, blockSize: 64 * 1024 });
  const h = await cluster.admin.create('/data', 0o600);
  await h.write(0, randomBytes(3 * 64 * 1024));
  await h.close();
  const ino = (await cluster.admin.getattr('/data')).ino;
  const [a, b] = cluster.master.state.ns.get(ino)!.blocks!.map((x) => x!.id);
  t.ok(a && b && a !== b, 'the file has several blocks');

  const node = new RpcClient(cluster.nodes[0].url);
  t.teardown(() => node.close());
  const key = cluster.master.capabilities.capKey;
  const soon = Date.now() + 60_000;

  const ok = await node.call('block.get', { id: a, cap: signCapability(key, 'r', a, soon) });
  t.ok(ok.payload.length > 0, 'a good capability reads the block (so the refusals below mean something)');

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a stolen block id with no capability', { id: a }, /no capability/],
    ['an empty capability', { id: a, cap: '' }, /malformed/],
    ['an expired capability', { id: a, cap: signCapability(key, 'r', a, Date.now() - 1) }, /expired/],
    ['a capability for another block', { id: a, cap: signCapability(key, 'r', b, soon) }, /not valid for this block/],
    ['a write capability used to read', { id: a, cap: signCapability(key, 'w', a, soon) }, /not valid/],
    ['a capability signed with another key', { id: a, cap: signCapability(randomBytes(32), 'r', a, soon) }, /not valid/],
    ['a forged expiry on a real signature', { id: a, cap: signCapability(key, 'r', a, soon).replace(/^\d+/, String(soon + 1)) }, /not valid/],
  ];
  for (const [what, meta, why] of cases) {
    const e = await refusal(node.call('block.get', meta));
    t.equal(e.code, 'EACCES', `${what}: EACCES`);
    t.match(e.message, why, `${what}: ${e.message}`);
  }

  const fresh = randomBytes(16).toString('hex');
  t.equal((await refusal(node.call('block.put', { id: fresh }, Buffer.from('x')))).code, 'EACCES', 'a put with no capability is refused');
  t.equal(
    (await refusal(node.call('block.put', { id: fresh, cap: signCapability(key, 'r', fresh, soon) }, Buffer.from('x')))).code,
    'EACCES',
    'a put with a read capability is refused',
  );
  t.equal(
    (await refusal(node.call('block.put', { id: a, cap: signCapability(key, 'w', b, soon) }, Buffer.from('x')))).code,
    'EACCES',
    'overwriting a block with a write capability for another block is refused',
  );
  t.notOk(cluster.stores[0].has(fresh), 'nothing was stored');

  for (const method of ['block.delete', 'block.list', 'block.replicate']) {
    const e = await refusal(node.call(method, { ids: [a], id: a, from: cluster.nodes[0].url }));
    t.equal(e.code, 'ENOSYS', `${method} is not served to a client: only on the node's own link to the master`);
  }
  t.ok(cluster.stores[0].has(a), 'the block is still there');

  const master = new RpcClient(cluster.url);
  t.teardown(() => master.close());
  const join = await refusal(master.call('node.register', { secret: 'guess', id: 'x', url: 'ws://127.0.0.1:1', capacity: 1, used: 0, blockCount: 0 }));
  t.equal(join.code, 'EACCES', 'a node without the join secret cannot register (and learn the capability key)');
  t.equal((await refusal(master.call('node.heartbeat', { capacity: 1, used: 0, blockCount: 0 }))).code, 'EACCES', 'nor heartbeat');
});

t.test('no capability for a file the caller may not read, not even by inode number', async (t) => {
  const cluster = await localCluster(t, { nodes: 2, replicas: 1 });
  await cluster.admin.addUser('alice', 'alice-password');
  await cluster.admin.addUser('bob', 'bob-password');
  const alice = await cluster.client('alice', 'alice-password');
  const bob = await cluster.client('bob', 'bob-password');

  // the usual home-directory layout: files 0644 (umask 022) inside a 0700 directory
  await alice.mkdir('/alice', 0o700);
  const h = await alice.create('/alice/diary', 0o644);
  await h.write(0, Buffer.from('dear diary'));
  await h.close();
  await alice.mkdir('/pub', 0o755);
  const p = await alice.create('/pub/open', 0o644);
  await p.write(0, Buffer.from('hello'));
  await p.close();
  const ino = (await alice.getattr('/alice/diary')).ino;

  t.equal((await refusal(bob.openFile('/alice/diary', { read: true, write: false }))).code, 'EACCES', 'open by path: no search permission');
  const noTicket = await refusal(bob.callRaw('fs.blocks', { ino }));
  t.same([noTicket.code, noTicket.reason], ['EACCES', 'no-open-ticket'], 'fs.blocks by a guessed inode number without a ticket');
  for (let guess = 1; guess < ino + 3; guess++) {
    const e = await refusal(bob.callRaw('fs.blocks', { ino: guess, ticket: 'x'.repeat(32) }));
    if (e.code !== 'EACCES') t.fail(`inode ${guess} answered ${e.code}`);
  }
  t.pass('enumerating inode numbers with a made-up ticket yields nothing');

  // a ticket is bound to the session that opened the file and to that file
  const pub = (await bob.callRaw('fs.open', { path: '/pub/open', read: true })).meta;
  t.type(pub.ticket, 'string', 'an open returns a ticket');
  t.equal((await refusal(bob.callRaw('fs.blocks', { ino, ticket: pub.ticket }))).code, 'EACCES', "another file's ticket does not open this one");
  const alicesTicket = (await alice.callRaw('fs.open', { path: '/alice/diary', read: true })).meta.ticket;
  t.equal((await refusal(bob.callRaw('fs.blocks', { ino, ticket: alicesTicket }))).code, 'EACCES', "alice's ticket is useless in bob's session");
  for (const method of ['fs.allocate', 'fs.commit']) {
    const e = await refusal(bob.callRaw(method, { ino, ticket: alicesTicket, count: 1, size: 0, blocks: [] }));
    t.equal(e.code, 'EACCES', `${method} with a stolen ticket is refused`);
  }
  t.equal((await alice.getattr('/alice/diary')).size, 10, 'the file was not truncated');

  // a ticket does not outlive the mode bits: permission is checked on every call
  const info = await bob.call('fs.open', { path: '/pub/open', read: true });
  const openIno = info.attr.ino;
  await alice.chmod('/pub/open', 0o600);
  t.equal((await refusal(bob.callRaw('fs.blocks', { ino: openIno, ticket: info.ticket }))).code, 'EACCES', 'after chmod 600 the ticket gives no capabilities');
  t.equal((await refusal(bob.openFile('/pub/open', { read: true, write: false }))).code, 'EACCES', 'and no open');

  // false corruption reports cannot drop replicas of someone else's file
  const diary = cluster.master.state.ns.get(ino)!.blocks![0]!.id;
  const where = [...cluster.master.state.blocks.get(diary)!.nodes][0];
  t.equal(
    (await refusal(bob.callRaw('block.corrupt', { ino, ticket: pub.ticket, id: diary, node: where }))).code,
    'EACCES',
    'a corrupt report for a file bob cannot open is refused',
  );
  const own = await alice.call('fs.open', { path: '/alice/diary', read: true });
  await alice.callRaw('block.corrupt', { ino, ticket: own.ticket, id: diary, node: where });
  t.ok(cluster.master.state.blocks.get(diary)!.nodes.has(where), 'even a reader cannot have the last copy of a block dropped');
});
