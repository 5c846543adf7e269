// Who gets in: passwords, tokens, and POSIX permissions between two users.
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { ADMIN_PASSWORD, localCluster } from '../helpers/cluster.js';

t.test('wrong password, forged token and expired token are refused', async (t) => {
  const cl = await localCluster(t, { sessionTtlMs: 1500 });
  const c = new DfsClient(cl.url);
  t.teardown(() => c.close());
  await t.rejects(c.login('admin', 'not-the-password'), { code: 'EACCES' }, 'wrong password');
  await t.rejects(c.login('nobody', 'whatever'), { code: 'EACCES' }, 'unknown user');
  c.token = 'forged-token-forged-token-forged-token-00';
  await t.rejects(c.getattr('/'), { code: 'EACCES' }, 'forged token');
  c.token = undefined;
  await t.rejects(c.getattr('/'), { code: 'EACCES' }, 'no token');
  await c.login('admin', ADMIN_PASSWORD);
  t.equal((await c.getattr('/')).type, 'dir', 'fresh session works');
  await new Promise((r) => setTimeout(r, 1700));
  await t.rejects(c.getattr('/'), { code: 'EACCES' }, 'expired token');
});

t.test('a second user cannot read a 0600 file or write where it may not', async (t) => {
  const cl = await localCluster(t);
  await cl.admin.addUser('bob', 'bob-password');
  await cl.admin.addUser('eve', 'eve-password');
  const bob = await cl.client('bob', 'bob-password');
  const eve = await cl.client('eve', 'eve-password');

  await bob.mkdir('/bob', 0o755);
  const h = await bob.create('/bob/secret', 0o600);
  await h.write(0, Buffer.from('for bob only'));
  await h.close();

  await t.rejects(eve.openFile('/bob/secret', { read: true, write: false }), { code: 'EACCES' }, 'read of 0600 file');
  await t.rejects(eve.openFile('/bob/secret', { read: false, write: true }), { code: 'EACCES' }, 'write of 0600 file');
  await t.rejects(eve.create('/bob/new', 0o644), { code: 'EACCES' }, 'create in a 0755 dir of another');
  await t.rejects(eve.mkdir('/bob/sub', 0o755), { code: 'EACCES' }, 'mkdir in a 0755 dir of another');
  await t.rejects(eve.unlink('/bob/secret'), { code: 'EACCES' }, 'unlink in a 0755 dir of another');
  await t.rejects(eve.chmod('/bob/secret', 0o666), { code: 'EPERM' }, "chmod of another's file");
  await t.rejects(eve.addUser('mallory', 'pw-pw-pw'), { code: 'EPERM' }, 'user add by a non-admin');

  // and what is allowed stays allowed
  await bob.chmod('/bob/secret', 0o644);
  const r = await eve.openFile('/bob/secret', { read: true, write: false });
  t.equal((await r.read(0, 100)).toString(), 'for bob only', 'readable after chmod 644');
  await r.close();
  const ino = (await bob.getattr('/bob/secret')).ino;
  await bob.chmod('/bob/secret', 0o600);
  await t.rejects(eve.callRaw('fs.blocks', { ino }), { code: 'EACCES' }, 'no block capabilities by inode number either');
});
