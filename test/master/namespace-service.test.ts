// The namespace service on an in-memory context (test/helpers/master-context.ts): POSIX's
// rules as a local file system applies them, with no listening master, journal or nodes.
import t from 'tap';
import { namespaceHandlers } from '../../src/master/namespace-service.js';
import { errCode as code, testContext } from '../helpers/master-context.js';

t.test('permissions, the sticky bit and ownership, as on a local file system', async (t) => {
  const tc = await testContext();
  const h = namespaceHandlers(tc.ctx, tc.paths, tc.ops);
  const root = await tc.user('root', 0);
  const alice = await tc.user('alice', 1000);
  const bob = await tc.user('bob', 1001);

  await tc.call(h, 'fs.mkdir', root, { path: '/tmp', mode: 0o1777 });
  await tc.call(h, 'fs.create', alice, { path: '/tmp/a', mode: 0o644 });
  t.equal(await code(tc.call(h, 'fs.unlink', bob, { path: '/tmp/a' })), 'EACCES', "the sticky bit keeps bob from removing alice's file");
  t.equal(await code(tc.call(h, 'fs.rename', bob, { from: '/tmp/a', to: '/tmp/b' })), 'EACCES', 'or renaming it');
  t.equal(await code(tc.call(h, 'fs.open', bob, { path: '/tmp/a', write: true })), 'EACCES', "a 0644 file is not bob's to write");
  t.equal(await code(tc.call(h, 'fs.open', bob, { path: '/tmp/a', read: true, truncate: true })), 'EACCES', 'nor to empty with O_RDONLY|O_TRUNC');
  t.equal(await code(tc.call(h, 'fs.chmod', bob, { path: '/tmp/a', mode: 0o777 })), 'EPERM', 'only the owner may chmod');
  t.equal(await code(tc.call(h, 'fs.chown', alice, { path: '/tmp/a', uid: 1001 })), 'EPERM', 'only an admin may give a file away');
  t.equal(await code(tc.call(h, 'fs.utimens', bob, { path: '/tmp/a', mtime: 1 })), 'EPERM', 'an explicit time only the owner may set');

  const made = (await tc.call(h, 'fs.mkdir', alice, { path: '/tmp/d', mode: 0o700 }))!.attr as { uid: number; gid: number };
  t.same([made.uid, made.gid], [1000, 1000], 'a new directory belongs to its maker');
  t.equal(await code(tc.call(h, 'fs.getattr', bob, { path: '/tmp/d/x' })), 'EACCES', 'a 0700 directory cannot be searched by bob');

  await tc.call(h, 'fs.chmod', root, { path: '/tmp/d', mode: 0o2777 });
  const inherited = (await tc.call(h, 'fs.create', bob, { path: '/tmp/d/f', mode: 0o600 }))!.attr as { gid: number };
  t.equal(inherited.gid, 1000, 'a set-group-id directory hands its group to new files');
  await tc.call(h, 'fs.chmod', root, { path: '/tmp/a', mode: 0o6755 });
  await tc.call(h, 'fs.chown', root, { path: '/tmp/a', uid: 1001 });
  const dropped = (await tc.call(h, 'fs.getattr', root, { path: '/tmp/a' }))!.attr as { mode: number };
  t.equal(dropped.mode & 0o6000, 0, 'a chown drops set-user-id and set-group-id');
});

t.test('renames and links by the rules of rename(2) and link(2)', async (t) => {
  const tc = await testContext();
  const h = namespaceHandlers(tc.ctx, tc.paths, tc.ops);
  const root = await tc.user('root', 0);
  await tc.call(h, 'fs.mkdir', root, { path: '/d', mode: 0o755 });
  await tc.call(h, 'fs.mkdir', root, { path: '/d/e', mode: 0o755 });
  await tc.call(h, 'fs.create', root, { path: '/f', mode: 0o644 });
  t.equal(await code(tc.call(h, 'fs.rename', root, { from: '/d', to: '/d/e/x' })), 'EINVAL', 'a directory into itself');
  t.equal(await code(tc.call(h, 'fs.rename', root, { from: '/f', to: '/d' })), 'EISDIR', 'a file over a directory');
  t.equal(await code(tc.call(h, 'fs.rename', root, { from: '/d', to: '/f' })), 'ENOTDIR', 'a directory over a file');
  t.equal(await code(tc.call(h, 'fs.link', root, { from: '/d', to: '/g' })), 'EPERM', 'no hard link to a directory');
  await tc.call(h, 'fs.link', root, { from: '/f', to: '/g' });
  const before = tc.records.length;
  await tc.call(h, 'fs.rename', root, { from: '/g', to: '/f' });
  t.equal(tc.records.length, before, 'two names of one file: rename does nothing, as POSIX says');
  t.equal(((await tc.call(h, 'fs.getattr', root, { path: '/g' }))!.attr as { nlink: number }).nlink, 2, 'both names stay');
  t.equal(await code(tc.call(h, 'fs.rmdir', root, { path: '/d' })), 'ENOTEMPTY', 'rmdir of a directory with entries');
  t.equal(await code(tc.call(h, 'fs.rmdir', root, { path: '/' })), 'EBUSY', 'the root');
});
