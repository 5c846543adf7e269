// POSIX permissions between users: mode bits, owner and group on every operation, the
// sticky bit on a shared directory, groups, and chown/chgrp rules.
import t from 'tap';
import type { DfsClient } from '../../src/client/client.js';
import { localCluster } from '../helpers/cluster.js';
import { code } from '../helpers/bytes.js';

async function write(c: DfsClient, p: string, text: string, mode = 0o644): Promise<void> {
  const h = await c.create(p, mode);
  await h.write(0, Buffer.from(text));
  await h.close();
}

async function read(c: DfsClient, p: string): Promise<string> {
  const h = await c.openFile(p, { read: true, write: false });
  try {
    return (await h.read(0, 1 << 20)).toString();
  } finally {
    await h.close();
  }
}

t.test('another user: EACCES on read, write and unlink in a sticky directory; EPERM on chmod and chown', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  await cluster.admin.addUser('alice', 'alice-password');
  await cluster.admin.addUser('bob', 'bob-password');
  const alice = await cluster.client('alice', 'alice-password');
  const bob = await cluster.client('bob', 'bob-password');
  const bobGid = (await bob.whoami()).gid;

  await cluster.admin.mkdir('/shared', 0o777);
  await cluster.admin.chmod('/shared', 0o1777);
  t.equal((await bob.getattr('/shared')).mode & 0o7777, 0o1777, '/shared is world-writable and sticky, like /tmp');
  await write(alice, '/shared/notes', 'alice notes', 0o644);
  await write(alice, '/shared/private', 'alice only', 0o600);
  await alice.mkdir('/shared/alice-dir', 0o777);

  t.equal(await read(bob, '/shared/notes'), 'alice notes', 'a 0644 file is readable by others (so the refusals below are about bits)');
  t.equal(await code(read(bob, '/shared/private')), 'EACCES', 'read of a 0600 file: EACCES');
  t.equal(await code(bob.openFile('/shared/notes', { read: false, write: true })), 'EACCES', 'write of a 0644 file: EACCES');
  t.equal(await code(bob.create('/shared/notes', 0o644, { read: false, write: true, truncate: true })), 'EACCES', 'truncating create: EACCES');
  t.equal(await code(bob.truncate('/shared/notes', 0)), 'EACCES', 'truncate: EACCES');
  t.equal(await code(bob.unlink('/shared/notes')), 'EACCES', 'unlink in a sticky directory: EACCES');
  t.equal(await code(bob.rename('/shared/notes', '/shared/mine')), 'EACCES', 'rename in a sticky directory: EACCES');
  t.equal(await code(bob.rmdir('/shared/alice-dir')), 'EACCES', 'rmdir in a sticky directory: EACCES');
  await write(bob, '/shared/bob-file', 'bob', 0o666);
  t.equal(await code(bob.rename('/shared/bob-file', '/shared/notes')), 'EACCES', "replacing someone else's file in a sticky directory: EACCES");
  t.equal(await code(bob.chmod('/shared/notes', 0o666)), 'EPERM', 'chmod: EPERM');
  t.equal(await code(bob.chown('/shared/notes', (await bob.whoami()).uid, -1)), 'EPERM', 'chown to oneself: EPERM');
  t.equal(await code(bob.chown('/shared/notes', -1, bobGid)), 'EPERM', 'chgrp by a non-owner: EPERM');
  t.equal(await code(bob.utimens('/shared/notes', 'now', 'now')), 'EACCES', 'touch without write permission: EACCES');
  t.equal(await code(bob.utimens('/shared/notes', 0, 0)), 'EPERM', "setting someone else's file times: EPERM");
  await write(alice, '/shared/board', 'anyone may write', 0o666);
  t.equal(await code(bob.utimens('/shared/board', 'now', 'now')), 'OK', 'touch with write permission: allowed, as utimensat(2) has it');
  t.equal(await code(bob.utimens('/shared/board', undefined, 'now')), 'EPERM', 'but only the owner may set one time alone (touch -m)');
  t.equal(await code(bob.utimens('/shared/board', 1e12, 1e12)), 'EPERM', 'or set explicit times (cp -p), write permission or not');
  t.equal(await code(alice.utimens('/shared/board', 1e12, undefined)), 'OK', 'the owner may');
  t.equal((await alice.getattr('/shared/board')).atime, 1e12, 'and the time is the one given');
  t.equal(await code(bob.setReplicas('/shared/notes', 2)), 'EPERM', 'changing replication: EPERM');
  t.equal(await code(bob.link('/shared/private', '/shared/pinned')), 'EPERM', "hard-linking someone else's unreadable file: EPERM");
  t.equal(await code(bob.rename('/shared/alice-dir', '/shared/bob-file-dir')), 'EACCES', 'sticky also guards directories');

  // and the owner may do all of it
  t.equal(await code(alice.unlink('/shared/notes')), 'OK', 'the owner may unlink in the sticky directory');
  t.equal(await code(bob.unlink('/shared/bob-file')), 'OK', 'bob may unlink his own');
  t.equal(await code(cluster.admin.unlink('/shared/private')), 'OK', 'the admin may unlink anything');

  // directories guard what is in them
  await alice.mkdir('/home-alice', 0o700);
  await write(alice, '/home-alice/diary', 'dear diary', 0o644);
  t.equal(await code(bob.getattr('/home-alice/diary')), 'EACCES', 'stat inside a 0700 directory: EACCES');
  t.equal(await code(bob.readdir('/home-alice')), 'EACCES', 'listing a 0700 directory: EACCES');
  t.equal(await code(read(bob, '/home-alice/diary')), 'EACCES', 'a 0644 file in a 0700 directory stays private');
  await alice.mkdir('/pub', 0o755);
  await alice.mkdir('/pub/sub', 0o755);
  await bob.mkdir('/bobs', 0o755);
  t.equal(await code(bob.rename('/pub/sub', '/bobs/sub')), 'EACCES', "moving someone else's directory out of theirs: EACCES");
});

t.test('groups: membership grants the group bits; chgrp to own groups, chown by admin only', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  for (const u of ['alice', 'bob', 'carol']) await cluster.admin.addUser(u, `${u}-password`);
  const alice = await cluster.client('alice', 'alice-password');
  const bob = await cluster.client('bob', 'bob-password');
  const carol = await cluster.client('carol', 'carol-password');

  t.equal(await code(alice.addGroup('cabal')), 'EPERM', 'a user cannot add groups');
  const staff = await cluster.admin.addGroup('staff');
  const other = await cluster.admin.addGroup('other');
  t.equal(await code(cluster.admin.addGroup('staff')), 'EEXIST', 'group names are unique');
  t.equal(await code(cluster.admin.addGroup('bob')), 'EEXIST', 'a group cannot take a user’s name (it names the user’s own group)');
  t.equal(await code(cluster.admin.addGroup('Bad/Name')), 'EINVAL', 'group names are checked');
  t.equal(await code(alice.addGroupMember('staff', 'alice')), 'EPERM', 'a user cannot join a group');
  await cluster.admin.addGroupMember('staff', 'alice');
  await cluster.admin.addGroupMember('staff', 'bob');
  t.equal(await code(cluster.admin.addGroupMember('staff', 'nobody')), 'ENOENT', 'only existing users join');
  const listed = await carol.listGroups();
  t.same(
    listed.find((g) => g.name === 'staff'),
    { name: 'staff', gid: staff.gid, members: ['alice', 'bob'] },
    'anyone may list groups',
  );
  t.ok((await bob.whoami()).groups.includes(staff.gid), 'whoami shows the group');

  await alice.mkdir('/team', 0o755);
  await write(alice, '/team/plan', 'the plan', 0o640);
  t.equal(await code(alice.chown('/team/plan', -1, other.gid)), 'EPERM', 'the owner cannot chgrp to a group she is not in');
  t.equal(await code(alice.chown('/team/plan', -1, staff.gid)), 'OK', 'the owner may chgrp to her own group');
  t.equal((await alice.getattr('/team/plan')).gid, staff.gid, 'the group changed');
  t.equal(await read(bob, '/team/plan'), 'the plan', 'a member reads through the group bits (0640)');
  t.equal(await code(read(carol, '/team/plan')), 'EACCES', 'a non-member does not');
  t.equal(await code(bob.openFile('/team/plan', { read: true, write: true })), 'EACCES', 'the group has no write bit');
  await alice.chmod('/team/plan', 0o660);
  const h = await bob.openFile('/team/plan', { read: true, write: true });
  await h.write(0, Buffer.from('THE'));
  await h.close();
  t.equal(await read(alice, '/team/plan'), 'THE plan', 'with 0660 a member writes');

  await cluster.admin.removeGroupMember('staff', 'bob');
  t.equal(await code(read(bob, '/team/plan')), 'EACCES', 'leaving the group takes the access away at once');

  t.equal(await code(alice.chown('/team/plan', (await bob.whoami()).uid, -1)), 'EPERM', 'only an admin may give a file away');
  const bobUid = (await bob.whoami()).uid;
  await cluster.admin.chown('/team/plan', bobUid, -1);
  t.equal((await bob.getattr('/team/plan')).uid, bobUid, 'the admin may');
  t.equal(await read(bob, '/team/plan'), 'THE plan', 'and the new owner reads it');
});
