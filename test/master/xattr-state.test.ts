// Extended attributes and orphans in the master's state: applied from records, kept by a
// snapshot and by the journal alike (a restart loses neither), and the rules of the
// xattr service on an in-memory context.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { MetadataStore } from '../../src/master/persistence.js';
import { loadSnapshot, writeSnapshot } from '../../src/master/snapshot.js';
import { MasterState } from '../../src/master/state.js';
import { xattrHandlers } from '../../src/master/xattr-service.js';
import { tempDir } from '../helpers/cluster.js';
import { errCode as code, testContext } from '../helpers/master-context.js';
import { dumpState } from '../helpers/master-state.js';

t.test('attributes and orphans survive a snapshot and a journal replay', async (t) => {
  const dir = tempDir(t);
  const state = new MasterState();
  const { store } = await MetadataStore.open(dir, state);
  for (const r of [
    { op: 'format', time: 1, blockSize: 65536, replicas: 1 },
    { op: 'mknod', ino: 2, parent: 1, name: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, time: 1, replicas: 1, key: 'k' },
    { op: 'mknod', ino: 3, parent: 1, name: 'g', type: 'file', mode: 0o644, uid: 0, gid: 0, time: 1, replicas: 1, key: 'k' },
    { op: 'xattr', ino: 2, name: 'user.a', value: Buffer.from('one').toString('base64'), time: 2 },
    { op: 'xattr', ino: 2, name: 'user.b', value: '', time: 2 },
    { op: 'xattr', ino: 2, name: 'user.b', time: 3 },
    { op: 'unlink', parent: 1, name: 'g', time: 4, keep: true },
  ] as const) {
    state.apply(r);
    await store.append([r]);
  }
  t.same(state.ns.get(2)?.xattrs, { 'user.a': 'b25l' });
  t.same(
    state.ns.orphans().map((n) => n.ino),
    [3],
    'g has no name and is kept',
  );
  await store.close();

  const replayed = new MasterState();
  const again = await MetadataStore.open(dir, replayed);
  await again.store.close();
  t.same(dumpState(replayed), dumpState(state), 'the journal replays to the same state');
  t.same(replayed.ns.get(2)?.xattrs, { 'user.a': 'b25l' });

  const file = path.join(tempDir(t), 'snap.dfs');
  const fd = fs.openSync(file, 'w');
  writeSnapshot(state, fd, 1);
  fs.closeSync(fd);
  const loaded = new MasterState();
  loadSnapshot(file, loaded);
  t.same(loaded.ns.get(2)?.xattrs, { 'user.a': 'b25l' }, 'a snapshot keeps them');
  t.same(
    loaded.ns.orphans().map((n) => n.ino),
    [3],
    'and the orphan',
  );
  loaded.apply({ op: 'forget', ino: 3 });
  t.equal(loaded.ns.get(3), undefined, 'forget lets it go');
});

t.test('who may set and see which attributes', async (t) => {
  const tc = await testContext();
  const h = xattrHandlers(tc.ctx, tc.paths);
  const root = await tc.user('root', 0);
  const alice = await tc.user('alice', 1000);
  const f = await tc.ops.make({ user: tc.ctx.state.users.byUid(1000)!, uid: 1000, gids: new Set([1000]) }, { dir: tc.ctx.state.ns.get(1)!, name: 'f' }, 'file', 0o644);
  const ticketFor = (token: string): string => tc.ctx.capabilities.ticket(tc.ctx.caller({ token }), f.ino);
  const as = (token: string, method: keyof typeof h, meta: Record<string, unknown>) => tc.call(h, method, token, { ino: f.ino, ticket: ticketFor(token), ...meta });
  const v = (s: string): string => Buffer.from(s).toString('base64');
  await as(alice, 'ino.setxattr', { name: 'user.mine', value: v('x') });
  t.equal(await code(as(alice, 'ino.setxattr', { name: 'trusted.t', value: v('x') })), 'EPERM', "trusted.* is the superuser's");
  t.equal(await code(as(alice, 'ino.setxattr', { name: 'security.s', value: v('x') })), 'EPERM');
  await as(root, 'ino.setxattr', { name: 'trusted.t', value: v('root') });
  await as(root, 'ino.setxattr', { name: 'security.s', value: v('sec') });
  t.same((await as(alice, 'ino.listxattr', {}))!.names, ['user.mine', 'security.s'], 'alice does not see trusted.*');
  t.same((await as(root, 'ino.listxattr', {}))!.names, ['user.mine', 'trusted.t', 'security.s']);
  t.equal(await code(as(alice, 'ino.getxattr', { name: 'trusted.t' })), 'ENODATA');
  t.equal((await as(alice, 'ino.getxattr', { name: 'security.s' }))!.value, v('sec'), 'security.* is readable');
  t.equal(await code(as(alice, 'ino.getxattr', { name: 'system.posix_acl_access' })), 'ENOTSUP', 'no ACLs');
  const bob = await tc.user('bob', 1001);
  t.equal(await code(as(bob, 'ino.setxattr', { name: 'user.his', value: v('x') })), 'EACCES', 'user.* takes write permission');
  t.equal(await code(as(alice, 'ino.setxattr', { name: 'user.big', value: 'A'.repeat(300_000) })), 'E2BIG');
  for (let i = 0; i < 4; i++) await as(alice, 'ino.setxattr', { name: `user.v${i}`, value: 'A'.repeat(87_000) });
  t.equal(await code(as(alice, 'ino.setxattr', { name: 'user.v9', value: 'A'.repeat(87_000) })), 'ENOSPC', "an inode's budget");
  await as(alice, 'ino.removexattr', { name: 'user.mine' });
  t.equal(await code(as(alice, 'ino.removexattr', { name: 'user.mine' })), 'ENODATA');
});
