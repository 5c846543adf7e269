// The set-user-ID and set-group-ID bits as Linux keeps them: a write or truncate by anyone
// but a superuser drops S_ISUID, and S_ISGID when the file is group-executable or the writer
// is not in its group; chown drops them the same way (a superuser keeps a setgid file's bit
// when it has no group-execute); a set-group-id directory hands its group down, and its bit
// to directories, while a maker outside that group gets no setgid file.
import t from 'tap';
import { localCluster } from '../helpers/cluster.js';

const modeOf = async (c: { getattr(p: string): Promise<{ mode: number }> }, p: string): Promise<string> => ((await c.getattr(p)).mode & 0o7777).toString(8);

t.test("a write or truncate by another user drops the set-id bits; a superuser's keeps them", async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  const admin = cluster.admin;
  await admin.addUser('alice', 'alice-password-1');
  const alice = await cluster.client('alice', 'alice-password-1');
  const { gid: aliceGid } = await alice.whoami();
  await admin.mkdir('/pub', 0o777);
  const made = async (p: string, mode: number, gid?: number): Promise<void> => {
    await (await admin.create(p, 0o644)).close();
    if (gid !== undefined) await admin.chown(p, -1, gid);
    await admin.chmod(p, mode);
  };
  const write = async (c: typeof admin, p: string): Promise<void> => {
    const h = await c.openFile(p, { read: false, write: true });
    await h.write(0, Buffer.from('x'));
    await h.close();
  };

  await made('/pub/root-writes', 0o6777);
  await write(admin, '/pub/root-writes');
  t.equal(await modeOf(admin, '/pub/root-writes'), '6777', 'a superuser keeps both');

  await made('/pub/suid-sgid-x', 0o6777);
  await write(alice, '/pub/suid-sgid-x');
  t.equal(await modeOf(admin, '/pub/suid-sgid-x'), '777', 'both go: setgid with group-execute');

  await made('/pub/sgid-no-x-other-group', 0o6767);
  await write(alice, '/pub/sgid-no-x-other-group');
  t.equal(await modeOf(admin, '/pub/sgid-no-x-other-group'), '767', 'setgid without group-execute goes for a writer outside the group');

  await made('/pub/sgid-no-x-her-group', 0o6767, aliceGid);
  await write(alice, '/pub/sgid-no-x-her-group');
  t.equal(await modeOf(admin, '/pub/sgid-no-x-her-group'), '2767', '…and stays for one in it');

  await made('/pub/truncated', 0o4777);
  await (await alice.openFile('/pub/truncated', { read: false, write: true, truncate: true })).close();
  t.equal(await modeOf(admin, '/pub/truncated'), '777', 'open(O_TRUNC) is a write');
});

t.test('chown drops S_ISUID, and S_ISGID as Linux does', async (t) => {
  const { admin } = await localCluster(t, { nodes: 1 });
  for (const [mode, want] of [
    [0o6755, '755'],
    [0o2644, '2644'],
    [0o4644, '644'],
  ] as const) {
    const p = `/f${mode.toString(8)}`;
    await (await admin.create(p, 0o644)).close();
    await admin.chmod(p, mode);
    await admin.chown(p, 1, -1);
    t.equal(await modeOf(admin, p), want, `chown of a ${mode.toString(8)} file by a superuser`);
  }
  await admin.mkdir('/d', 0o755);
  await admin.chmod('/d', 0o6755);
  await admin.chown('/d', 1, 1);
  t.equal(await modeOf(admin, '/d'), '6755', 'a directory keeps its bits');
});

t.test('a set-group-id directory: its group and (to directories) its bit handed down', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  const admin = cluster.admin;
  await admin.addUser('alice', 'alice-password-1');
  const alice = await cluster.client('alice', 'alice-password-1');
  await admin.addGroup('staff');
  const staff = (await admin.listGroups()).find((g) => g.name === 'staff')!.gid;
  await admin.mkdir('/shared', 0o777);
  await admin.chown('/shared', -1, staff);
  await admin.chmod('/shared', 0o2777);
  const dir = await alice.mkdir('/shared/sub', 0o755);
  t.same([dir.gid, (dir.mode & 0o7777).toString(8)], [staff, '2755'], 'a directory: the group and the bit');
  const file = await alice.create('/shared/f', 0o2755);
  await file.close();
  const a = await admin.getattr('/shared/f');
  t.same([a.gid, (a.mode & 0o7777).toString(8)], [staff, '755'], 'a file: the group; setgid dropped, as alice is not in staff');
  await (await admin.create('/shared/g', 0o2755)).close();
  t.equal(await modeOf(admin, '/shared/g'), '2755', 'a superuser keeps it');
});
