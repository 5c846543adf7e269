// The namespace by inode (src/master/inode-service.ts) on an in-memory context: tickets, the
// POSIX answers a mount passes on, files held open outliving their last name (holds.ts),
// leases only for mounts, what each change tells other mounts (leases.ts, invalidations.ts),
// and a retried change answered as done.
import t from 'tap';
import { Holds } from '../../src/master/holds.js';
import { forgetIfOrphan, inodeHandlers } from '../../src/master/inode-service.js';
import { touchedBy } from '../../src/master/invalidations.js';
import { Leases } from '../../src/master/leases.js';
import type { Meta } from '../../src/rpc/frame.js';
import { errCode as code, testContext } from '../helpers/master-context.js';

type Entry = { attr: { ino: number; type: string; nlink: number; size: number }; ticket: string };

async function setup() {
  const tc = await testContext();
  const h = inodeHandlers(tc.ctx, tc.paths, tc.ops);
  const admin = await tc.user('admin', 0);
  const cli = tc.peer();
  const call = async (method: string, meta: Meta, token = admin, peer = cli): Promise<Meta> => (await tc.call(h, method as keyof typeof h, token, meta, peer)) ?? {};
  const root = (await call('ino.root', {})) as Entry;
  const under = (dir: Entry) => ({ parent: dir.attr.ino, pticket: dir.ticket });
  return { tc, h, admin, call, root, under };
}

t.test('walking by inode: lookups with tickets, pages with tickets, the errors a mount passes on', async (t) => {
  const { tc, call, root, under } = await setup();
  const d = (await call('ino.mkdir', { ...under(root), name: 'd', mode: 0o755 })) as Entry;
  t.equal(d.attr.type, 'dir');
  const f = (await call('ino.create', { ...under(d), name: 'f', mode: 0o644 })) as Entry;
  const s = (await call('ino.symlink', { ...under(d), name: 's', target: 'f' })) as Entry;
  t.equal((await call('ino.readlink', { ino: s.attr.ino, ticket: s.ticket })).target, 'f');
  t.equal(((await call('ino.lookup', { ...under(d), name: 'f' })) as Entry).attr.ino, f.attr.ino);
  t.equal(((await call('ino.lookup', { ...under(d), name: '..' })) as Entry).attr.ino, root.attr.ino);
  t.equal(await code(call('ino.lookup', { ...under(d), name: 'nothing' })), 'ENOENT');
  t.equal(await code(call('ino.lookup', { parent: f.attr.ino, pticket: f.ticket, name: 'x' })), 'ENOTDIR');
  t.equal(await code(call('ino.getattr', { ino: f.attr.ino, ticket: 'made-up' })), 'EACCES', 'an inode is named with the ticket its lookup gave');
  t.equal(await code(call('ino.readlink', { ino: f.attr.ino, ticket: f.ticket })), 'EINVAL');

  const page = await call('ino.readdir', { ino: d.attr.ino, ticket: d.ticket, limit: 1 });
  const names: string[] = [];
  let cursor = page.cursor as string | undefined;
  for (const e of page.entries as { name: string; ticket: string; attr: { ino: number } }[]) names.push(e.name);
  while (cursor) {
    const next = await call('ino.readdir', { ino: d.attr.ino, ticket: d.ticket, limit: 1, cursor });
    for (const e of next.entries as { name: string }[]) names.push(e.name);
    cursor = next.cursor as string | undefined;
  }
  t.same(names.sort(), ['f', 's'], 'page by page');
  t.equal(page.parent, root.attr.ino, "'..' of the directory");
  const e0 = (page.entries as Entry[])[0];
  t.ok((await call('ino.getattr', { ino: e0.attr.ino, ticket: e0.ticket })).attr, 'an entry listed comes with its ticket');

  await call('ino.link', { ino: f.attr.ino, ticket: f.ticket, newParent: root.attr.ino, newPticket: root.ticket, newName: 'g' });
  t.equal(((await call('ino.getattr', { ino: f.attr.ino, ticket: f.ticket })).attr as { nlink: number }).nlink, 2);
  t.equal(await code(call('ino.rename', { ...under(d), name: 'f', newParent: root.attr.ino, newPticket: root.ticket, newName: 'g', flags: 1 })), 'EEXIST', 'RENAME_NOREPLACE');
  t.equal(
    await code(call('ino.rename', { ...under(d), name: 'f', newParent: root.attr.ino, newPticket: root.ticket, newName: 'h', flags: 2 })),
    'EINVAL',
    'RENAME_EXCHANGE is not offered',
  );
  await call('ino.rename', { ...under(d), name: 's', newParent: root.attr.ino, newPticket: root.ticket, newName: 's2' });
  t.equal(await code(call('ino.rmdir', { ...under(root), name: 'd' })), 'ENOTEMPTY');
  await call('ino.unlink', { ...under(d), name: 'f' });
  await call('ino.rmdir', { ...under(root), name: 'd' });
  t.equal(await code(call('ino.getattr', { ino: d.attr.ino, ticket: d.ticket })), 'ESTALE', 'a directory gone is stale');

  const set = await call('ino.setattr', { ino: f.attr.ino, ticket: f.ticket, mode: 0o600, mtime: 5_000 });
  t.match(set.attr, { mode: 0o100600, mtime: 5_000 });
  await call('ino.access', { ino: f.attr.ino, ticket: f.ticket, mode: 6 });
  t.ok(tc.records.some((r) => r.op === 'link'));
});

t.test('a file held open outlives its last name, and goes at its last release', async (t) => {
  const { tc, call, root, under } = await setup();
  const mount = tc.peer({ holder: 'mount-1', invalidations: true });
  const f = (await call('ino.create', { ...under(root), name: 'f', mode: 0o644 }, undefined, mount)) as Entry;
  await call('ino.unlink', { ...under(root), name: 'f' });
  const orphan = tc.ctx.state.ns.get(f.attr.ino);
  t.equal(orphan?.nlink, 0, 'no name left, and still there for its holder');
  t.same(
    tc.ctx.state.ns.orphans().map((n) => n.ino),
    [f.attr.ino],
  );
  t.ok((await call('ino.open', { ino: f.attr.ino, ticket: f.ticket, read: true }, undefined, mount)).key, 'and it opens by inode');
  await call('fs.release', { ino: f.attr.ino, ticket: f.ticket }, undefined, mount);
  t.equal(tc.ctx.state.ns.get(f.attr.ino), undefined, 'the last release lets it go');
  t.equal(tc.records.at(-1)?.op, 'forget');

  // a rename over a file held open keeps the file replaced
  const a = (await call('ino.create', { ...under(root), name: 'a', mode: 0o644 }, undefined, mount)) as Entry;
  await call('ino.create', { ...under(root), name: 'b', mode: 0o644 });
  await call('ino.rename', { ...under(root), name: 'b', newParent: root.attr.ino, newPticket: root.ticket, newName: 'a' });
  t.equal(tc.ctx.state.ns.get(a.attr.ino)?.nlink, 0, 'replaced, kept');
  // a client gone past its grace lets go of what it held (maintenance calls expire)
  tc.ctx.holds.disconnected('mount-1', 0);
  for (const ino of tc.ctx.holds.expire(1)) await forgetIfOrphan(tc.ctx, ino);
  t.equal(tc.ctx.state.ns.get(a.attr.ino), undefined);

  // nobody holds it: an unlink removes at once
  const c = (await call('ino.create', { ...under(root), name: 'c', mode: 0o644 })) as Entry;
  await call('fs.release', { ino: c.attr.ino, ticket: c.ticket });
  await call('ino.unlink', { ...under(root), name: 'c' });
  t.equal(tc.ctx.state.ns.get(c.attr.ino), undefined);
});

t.test('leases go to mounts; a change tells the others, not the one that made it', async (t) => {
  const { tc, call, root, under } = await setup();
  const mountA = tc.peer({ invalidations: true });
  const mountB = tc.peer({ invalidations: true });
  const cli = tc.peer();
  await call('ino.root', {}, undefined, mountA);
  await call('ino.root', {}, undefined, mountB);
  await call('ino.root', {}, undefined, cli);
  const f = (await call('ino.create', { ...under(root), name: 'f', mode: 0o644 }, undefined, mountA)) as Entry;
  await call('ino.lookup', { ...under(root), name: 'f' }, undefined, mountB);
  const leases = tc.ctx.leases;
  const record = { op: 'setattr' as const, ino: f.attr.ino, mode: 0o600, time: 1 };
  const told = leases.affected(touchedBy(tc.ctx.state, record), mountA.context.id);
  t.same([...told.keys()], [mountB.context.id], 'b holds a lease on f; a made the change; the CLI asked for none');
  t.same(told.get(mountB.context.id), [{ kind: 'inode', ino: f.attr.ino }]);
  const unlink = touchedBy(tc.ctx.state, { op: 'unlink', parent: root.attr.ino, name: 'f', time: 1 });
  t.same(unlink, [
    { kind: 'entry', parent: 1, name: 'f' },
    { kind: 'inode', ino: 1 },
    { kind: 'inode', ino: f.attr.ino },
  ]);
  leases.dropConnection(mountB.context.id);
  t.equal(leases.affected(unlink, mountA.context.id).size, 0, 'a connection gone holds nothing');
});

t.test('a retried change is answered as done', async (t) => {
  const { call, root, under } = await setup();
  const first = (await call('ino.mkdir', { ...under(root), name: 'd', mode: 0o755, rid: 'r1' })) as Entry;
  const again = (await call('ino.mkdir', { ...under(root), name: 'd', mode: 0o755, rid: 'r1' })) as Entry;
  t.equal(again.attr.ino, first.attr.ino, 'the same directory, not EEXIST');
  await call('ino.rmdir', { ...under(root), name: 'd', rid: 'r2' });
  t.equal(await code(call('ino.rmdir', { ...under(root), name: 'd', rid: 'r2' })), undefined, 'not ENOENT');
});

t.test('holds: by client, restated on reconnect, lapsing after a grace; after a restart everything is held for the grace', async (t) => {
  const h = new Holds(1000);
  t.notOk(h.isHeld(5, 0), 'a fresh master has nobody to wait for');
  h.hold('a', 5);
  h.hold('a', 5);
  h.hold('b', 5);
  t.notOk(h.release('a', 5), 'b still holds it');
  t.notOk(h.release('a', 5), 'released once only');
  t.same(h.restate('b', [6]), [5], 'b says it holds 6 now, not 5');
  t.notOk(h.isHeld(5, 0));
  h.disconnected('b', 0);
  t.same(h.expire(500), [], 'within its grace');
  t.same(h.expire(1000), [6]);
  h.restarted(0);
  t.ok(h.isHeld(42, 999), 'right after a restart, anything may be held');
  t.notOk(h.pastGrace(999));
  t.ok(h.pastGrace(1000));
});

t.test('leases: expiry, pruning, and a bound per connection', async (t) => {
  const l = new Leases(100, 2);
  l.grantAttr('c', 1, 0);
  l.grantDir('c', 1, 0);
  l.grantAttr('c', 2, 0);
  t.equal(l.size, 2, 'the third is not granted: the bound');
  t.equal(l.affected([{ kind: 'inode', ino: 1 }], undefined, 50).size, 1);
  t.equal(l.affected([{ kind: 'inode', ino: 1 }], undefined, 100).size, 0, 'expired');
  l.prune(100);
  t.equal(l.size, 0);
  l.grantAttr('c', 2, 200);
  t.equal(l.size, 1, 'room again');
});

t.test("an admin's session may act for a local user; nobody else's may", async (t) => {
  const { tc, call, root, under } = await setup();
  const alice = await tc.user('alice', 1000);
  const made = (await call('ino.create', { ...under(root), name: 'f', mode: 0o600, as: { uid: 1234, gid: 77, groups: [5] } })) as Entry & { attr: { uid: number; gid: number } };
  t.same([made.attr.uid, made.attr.gid], [1234, 77], 'the file belongs to the user acted for');
  t.equal(await code(call('ino.open', { ino: made.attr.ino, ticket: made.ticket, read: true, as: { uid: 1235, gid: 77, groups: [] } })), 'EACCES', 'another user may not read it');
  const r = await tc.call(inodeHandlers(tc.ctx, tc.paths, tc.ops), 'ino.root', alice, { as: { uid: 0, gid: 0, groups: [] } }).catch((e: { code: string }) => e.code);
  t.equal(r, 'EPERM', 'alice is no admin: she may not act for root');
  t.equal(await code(call('ino.root', { as: { uid: -1, gid: 0, groups: [] } })), 'EINVAL');
  t.equal(await code(call('ino.root', { as: { uid: 1, gid: 0 } })), 'EINVAL', 'groups are a list');
});

t.test('pjdfstest found: a name past NAME_MAX is ENAMETOOLONG, and a writer may drop set-id bits it may not otherwise change', async (t) => {
  const { tc, call, root, under } = await setup();
  t.equal(await code(call('ino.lookup', { ...under(root), name: 'n'.repeat(256) })), 'ENAMETOOLONG');
  const nobody = { uid: 65534, gid: 65534, groups: [] };
  const f = (await call('ino.create', { ...under(root), name: 'f', mode: 0o6777 })) as Entry & { attr: { mode: number } };
  await call('ino.setattr', { ino: f.attr.ino, ticket: f.ticket, mode: 0o6777 });
  // the kernel's kill-priv on a write by someone else: the same mode less the set-id bits
  await call('ino.setattr', { ino: f.attr.ino, ticket: f.ticket, mode: 0o2777, as: nobody });
  // (and S_ISGID with it: nobody is no member of the file's group, as chmod(2) has it)
  t.equal(tc.ctx.state.ns.get(f.attr.ino)!.mode, 0o0777, 'the set-id bits dropped by a writer');
  t.equal(await code(call('ino.setattr', { ino: f.attr.ino, ticket: f.ticket, mode: 0o0755, as: nobody })), 'EPERM', "anything more is the owner's");
  t.equal(await code(call('ino.setattr', { ino: f.attr.ino, ticket: f.ticket, mode: 0o6777, as: nobody })), 'EPERM', 'and so is adding a bit');
});
