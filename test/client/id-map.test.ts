// Owner mapping for the mount: dfs ids shown as local ones by name, the mounting user as
// themselves, the rest as nobody; and back again for chown.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { IdMap, parseLocalAccounts, UNMAPPED_ID } from '../../src/client/id-map.js';
import { localCluster, tempDir } from '../helpers/cluster.js';

const PASSWD = [
  '# local accounts',
  'root:x:0:0:root:/root:/bin/bash',
  'alice:x:2001:2001::/home/alice:/bin/sh',
  'bob:x:2002:100::/home/bob:/bin/sh',
  'broken line',
  'eve:x:notanumber:1::/:/bin/false',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'alice:x:2001:', 'users:x:100:bob', 'staff:x:50:alice,bob', 'bad', ''].join('\n');

const DFS_USERS = [
  { name: 'admin', uid: 0, gid: 0 },
  { name: 'alice', uid: 1000, gid: 1000 },
  { name: 'bob', uid: 1001, gid: 1001 },
  { name: 'carol', uid: 1002, gid: 1002 },
];
const DFS_GROUPS = [
  { name: 'staff', gid: 1003 },
  { name: 'ops', gid: 1004 },
];

t.test('parsing passwd and group skips what is malformed', async (t) => {
  const local = parseLocalAccounts(PASSWD, GROUP);
  t.same([...local.users.keys()], ['root', 'alice', 'bob'], 'users with numeric ids only');
  t.same(local.users.get('bob'), { uid: 2002, gid: 100 });
  t.same(
    [...local.groups],
    [
      ['root', 0],
      ['alice', 2001],
      ['users', 100],
      ['staff', 50],
    ],
  );
});

t.test('name mode: same names map, the mounting user is themselves, the rest is nobody', async (t) => {
  const map = new IdMap({ mode: 'name', self: { dfsUid: 1002, dfsGid: 1002, localUid: 3000, localGid: 3000 } }, DFS_USERS, DFS_GROUPS, parseLocalAccounts(PASSWD, GROUP));
  t.equal(map.toLocalUid(1000), 2001, 'dfs alice is local alice');
  t.equal(map.toLocalUid(1001), 2002, 'dfs bob is local bob');
  t.equal(map.toLocalUid(1002), 3000, 'the mounting user (carol, no local account of that name) is the local user running the mount');
  t.equal(map.toLocalUid(0), UNMAPPED_ID, 'dfs admin is not local root: no local "admin", so nobody');
  t.equal(map.toLocalUid(4242), UNMAPPED_ID, 'an unknown dfs uid is nobody');
  t.equal(map.toLocalGid(1000), 2001, "alice's own group is the local group alice");
  t.equal(map.toLocalGid(1001), 100, "bob's own group falls back to his local primary group");
  t.equal(map.toLocalGid(1003), 50, 'group staff maps by name');
  t.equal(map.toLocalGid(1004), UNMAPPED_ID, 'group ops has no local twin');
  t.equal(map.toLocalGid(1002), 3000, "the mounting user's own group");

  t.equal(map.toDfsUid(2001), 1000, 'chown to local alice is dfs alice');
  t.equal(map.toDfsUid(3000), 1002, 'the local mounting user is their dfs account');
  t.equal(map.toDfsUid(4242), undefined, 'a local uid with no dfs account has no mapping');
  t.equal(map.toDfsUid(-1), -1, '-1 (leave alone) passes through');
  t.equal(map.toDfsGid(50), 1003, 'local staff is dfs staff');
  t.equal(map.toDfsGid(-1), -1);

  const attr = { ino: 5, type: 'file' as const, mode: 0o100640, nlink: 1, uid: 1000, gid: 1003, size: 1, atime: 0, mtime: 0, ctime: 0, replicas: 1 };
  t.same(map.localAttr(attr), { ...attr, uid: 2001, gid: 50 }, 'localAttr rewrites owner and group only');
});

t.test('identity mode and custom unmapped ids', async (t) => {
  const same = new IdMap({ mode: 'identity' }, DFS_USERS, DFS_GROUPS, parseLocalAccounts(PASSWD, GROUP));
  t.same([same.toLocalUid(1000), same.toLocalGid(1003), same.toDfsUid(77), same.toDfsGid(-1)], [1000, 1003, 77, -1], 'ids pass through');
  const custom = new IdMap({ mode: 'name', unmappedUid: 99, unmappedGid: 98 }, DFS_USERS, DFS_GROUPS, parseLocalAccounts('', ''));
  t.same([custom.toLocalUid(1000), custom.toLocalGid(1000)], [99, 98], 'configurable stand-ins for unmapped owners');
});

t.test('IdMap.load reads the cluster through a client and the local files from disk', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  await cluster.admin.addUser('alice', 'alice-password');
  await cluster.admin.addUser('bob', 'bob-password');
  const staff = await cluster.admin.addGroup('staff');
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'passwd'), PASSWD);
  fs.writeFileSync(path.join(dir, 'group'), GROUP);
  const bob = await cluster.client('bob', 'bob-password');
  const me = await bob.whoami();
  const map = await IdMap.load(bob, {
    mode: 'name',
    self: { dfsUid: me.uid, dfsGid: me.gid, localUid: 4000, localGid: 4000 },
    passwdFile: path.join(dir, 'passwd'),
    groupFile: path.join(dir, 'group'),
  });
  const alice = (await bob.listUsers()).find((u) => u.name === 'alice')!;
  t.equal(map.toLocalUid(alice.uid), 2001, 'a user listed by the master maps to the local user of that name');
  t.equal(map.toLocalUid(me.uid), 4000, 'the mounting user, even though a local "bob" exists, is the local user running the mount');
  t.equal(map.toLocalGid(staff.gid), 50, 'groups from group.list map by name');
  await bob.mkdir('/mine', 0o755);
  t.equal(map.localAttr(await bob.getattr('/mine')).uid, 4000, 'a file bob made shows as the local user');
});
