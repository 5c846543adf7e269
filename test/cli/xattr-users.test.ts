// `dfs xattr` for another user, under Linux's rules as the master keeps them: user.* needs
// write permission, trusted.* and security.* are the admin's.
import path from 'node:path';
import t from 'tap';
import { runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';
import { checks } from './xattr-checks.js';

t.test("another user: Linux's rules, as the master keeps them", async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const admin = checks(t, cl.dfs);
  const bobEnv = { ...cl.env, DFS_CONFIG_DIR: path.join(tempDir(t), 'bob') };
  const bob = checks(t, (args, input) => runDfs(args, bobEnv, input));
  await admin.ok(['user', 'add', 'bob', '--password-stdin'], 'bob-password\n');
  await bob.ok(['login', '--master', cl.url, '--user', 'bob', '--password-stdin'], 'bob-password\n');

  await admin.ok(['put', '-', '/f'], 'data\n'); // the admin's, 0644
  await admin.ok(['xattr', 'set', '/f', 'user.a', 'x']);
  await admin.ok(['xattr', 'set', '/f', 'trusted.t', 'secret']);
  await admin.ok(['xattr', 'set', '/f', 'security.s', 'label']);
  t.equal(await admin.ok(['xattr', 'list', '/f']), 'security.s\ntrusted.t\nuser.a\n', 'the admin lists trusted.* too');
  t.equal(await admin.ok(['xattr', 'get', '/f', 'trusted.t']), 'secret');

  // user.*: read with read permission, set and removed with write permission
  t.equal(await bob.ok(['xattr', 'get', '/f', 'user.a']), 'x', 'another user reads user.* of a file they may read');
  await bob.fails(['xattr', 'set', '/f', 'user.a', 'mine'], 'dfs: permission denied: set user.a of /f (EACCES)\n');
  await bob.fails(['xattr', 'set', '/f', 'user.b', 'mine'], 'dfs: permission denied: set user.b of /f (EACCES)\n');
  await bob.fails(['xattr', 'rm', '/f', 'user.a'], 'dfs: permission denied: remove user.a of /f (EACCES)\n');
  // trusted.*: hidden from others, as if absent; security.*: read by anyone, set by the admin
  t.equal(await bob.ok(['xattr', 'list', '/f']), 'security.s\nuser.a\n', 'trusted.* is not listed for another user');
  await bob.fails(['xattr', 'get', '/f', 'trusted.t'], 'dfs: no such attribute: trusted.t of /f (ENODATA)\n');
  t.equal(await bob.ok(['xattr', 'get', '/f', 'security.s']), 'label');
  t.equal(await bob.ok(['xattr', 'list', '-d', '/f']), 'security.s="label"\nuser.a="x"\n', 'list -d of what the user sees');

  // on bob's own file: user.* is his, trusted.* and security.* still the admin's
  await admin.ok(['mkdir', '/bob']);
  await admin.ok(['chown', 'bob', '/bob']);
  await bob.ok(['put', '-', '/bob/mine'], 'his\n');
  await bob.ok(['xattr', 'set', '/bob/mine', 'user.note', 'his own']);
  await bob.fails(['xattr', 'set', '/bob/mine', 'trusted.t', 'x'], "dfs: trusted attributes are the superuser's: trusted.t of /bob/mine (EPERM)\n");
  await bob.fails(['xattr', 'set', '/bob/mine', 'security.s', 'x'], 'dfs: security attributes are set by the superuser: security.s of /bob/mine (EPERM)\n');
  await admin.ok(['xattr', 'set', '/bob/mine', 'trusted.t', 'admin only']);
  t.equal(await bob.ok(['xattr', 'list', '/bob/mine']), 'user.note\n');
  t.equal(await admin.ok(['xattr', 'get', '/bob/mine', 'user.note']), 'his own', 'the admin reads it');

  // the path's directories need search permission, and say so as other commands do
  await admin.ok(['mkdir', '-m', '700', '/private']);
  await admin.ok(['put', '-', '/private/g'], 'g\n');
  await admin.ok(['xattr', 'set', '/private/g', 'user.a', 'x']);
  const stat = await runDfs(['stat', '/private/g'], bobEnv);
  t.equal(stat.stderr, 'dfs: permission denied: search /private (EACCES)\n');
  await bob.fails(['xattr', 'get', '/private/g', 'user.a'], stat.stderr);
  await bob.fails(['xattr', 'list', '/private/g'], stat.stderr);
});
