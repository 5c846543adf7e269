// The security commands through the real `dfs` binary: second factor enrolment and login
// with --totp, sessions, groups, chown/chgrp, passwords, and `dfs up --tls --mount`.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { totpCode } from '../../src/master/totp.js';
import { runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, sh } from '../helpers/mount.js';

t.test('mfa, login --totp, sessions, groups, chown and chgrp from the command line', async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1 });
  const admin = cluster.dfs;
  t.equal((await admin(['user', 'add', 'bob', '--password-stdin'], 'bob-password\n')).code, 0);
  t.equal((await admin(['user', 'add', 'carol', '--password-stdin'], 'carol-password\n')).code, 0);
  // bob works from his own config dir
  const bobEnv = { ...cluster.env, DFS_CONFIG_DIR: path.join(tempDir(t), 'bob') };
  const bob = (args: string[], input?: string): ReturnType<typeof runDfs> => runDfs(args, bobEnv, input);
  const login = await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin'], 'bob-password\n');
  t.equal(login.code, 0, login.stderr);

  const enable = await bob(['user', 'mfa', 'enable']);
  t.equal(enable.code, 0, enable.stderr);
  const secret = enable.stdout.match(/^secret: ([A-Z2-7]+)$/m)?.[1];
  t.ok(secret, 'the secret is printed');
  t.match(enable.stdout, /^otpauth:\/\/totp\/dfs:bob\?/m, 'with its otpauth:// URI');
  t.match(enable.stdout, /[▀▄█]{10}/, 'and a QR code');
  t.match(enable.stdout, /dfs user mfa confirm CODE/, 'without a terminal it says how to confirm');
  const confirm = await bob(['user', 'mfa', 'confirm', totpCode(secret!)]);
  t.equal(confirm.code, 0, confirm.stderr);
  t.match((await admin(['user', 'list'])).stdout, /^bob\s+\d+\s+\d+\s+yes$/m, 'user list shows bob has a second factor');

  const noCode = await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin'], 'bob-password\n');
  t.equal(noCode.code, 2, 'login without a code and no terminal is a usage error');
  t.equal(noCode.stderr, 'dfs: bob has a second factor: pass --totp CODE\n');
  const next = totpCode(secret!, Date.now() + 30_000);
  const withCode = await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin', '--totp', next], 'bob-password\n');
  t.equal(withCode.code, 0, withCode.stderr);
  const replay = await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin', '--totp', next], 'bob-password\n');
  t.equal(replay.code, 1);
  t.equal(replay.stderr, 'dfs: this one-time code was used already; wait for the next one (EACCES)\n', 'a replayed code: one clear line');

  const sessions = await admin(['session', 'list']);
  t.equal(sessions.code, 0);
  const bobIds = [...sessions.stdout.matchAll(/^([0-9a-f]{12})\s+bob\s/gm)].map((m) => m[1]);
  t.equal(bobIds.length, 2, 'the admin sees both of bob’s sessions');
  t.match(sessions.stdout, /\(this one\)/, 'and which one is its own');
  t.equal((await bob(['session', 'list'])).stdout.split('\n').filter((l) => /^[0-9a-f]{12}\s/.test(l)).length, 2, 'bob sees his own two');
  const revoke = await admin(['session', 'revoke', '--user', 'bob']);
  t.equal(revoke.stderr, 'ended 2 sessions\n');
  const dead = await bob(['ls', '/']);
  t.equal(dead.code, 1);
  t.match(dead.stderr, /session is invalid or expired/, 'bob must log in again');

  t.equal((await admin(['user', 'mfa', 'disable', 'bob'])).code, 0, 'an admin turns off a lost second factor');
  t.equal((await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin'], 'bob-password\n')).code, 0, 'password alone again');

  t.equal((await admin(['group', 'add', 'staff'])).code, 0);
  t.equal((await admin(['group', 'adduser', 'staff', 'bob'])).code, 0);
  t.match((await bob(['group', 'list'])).stdout, /^staff\s+\d+\s+bob$/m, 'anyone lists groups');
  const denied = await bob(['group', 'add', 'mine']);
  t.equal(denied.stderr, 'dfs: only an admin may add groups (EPERM)\n');

  const src = path.join(cluster.dir, 'plan.txt');
  fs.writeFileSync(src, 'plan\n');
  t.equal((await bob(['put', src, '/plan'])).code, 0);
  t.equal((await bob(['chgrp', 'staff', '/plan'])).code, 0, 'bob may chgrp his file to his group');
  t.match((await bob(['ls', '-l', '/plan'])).stdout, /\sbob\s+staff\s/, 'ls -l shows owner and group by name');
  const giveAway = await bob(['chown', 'carol', '/plan']);
  t.equal(giveAway.stderr, 'dfs: only an admin may give a file away (EPERM)\n', 'bob may not give it away');
  t.equal((await admin(['chown', 'carol:staff', '/plan'])).code, 0, 'the admin may');
  t.match((await admin(['ls', '-l', '/plan'])).stdout, /\scarol\s+staff\s/);
  t.equal((await admin(['chown', 'nobody-here', '/plan'])).stderr, 'dfs: no user nobody-here\n', 'unknown names are caught');

  const passwd = await bob(['user', 'passwd', '--password-stdin'], 'new-bob-password\n');
  t.equal(passwd.code, 0, passwd.stderr);
  t.equal((await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin'], 'bob-password\n')).code, 1, 'the old password is gone');
  t.equal((await bob(['--master', cluster.url, 'login', '--user', 'bob', '--password-stdin'], 'new-bob-password\n')).code, 0, 'the new one works');
});

t.test('dfs up --tls --mount: the mount gets the CA and works over wss://', { skip: fuseUnavailable() }, async (t) => {
  const dir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
  fs.mkdirSync(dir);
  const cluster = await spawnCluster(t, { nodes: 2, args: ['--memory', '--tls', '--mount', dir] });
  t.teardown(() => (isMounted(dir) ? sh(`fusermount -uz ${dir}`) : undefined));
  t.match(cluster.url, /^wss:/);
  const end = Date.now() + 20_000;
  while (!(isMounted(dir) && fs.statSync(dir).ino === 1)) {
    if (Date.now() > end) throw new Error('the mount did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
  const r = await sh('echo over-tls > f && cat f', { cwd: dir });
  t.equal(r.stdout, 'over-tls\n', r.stderr);
  t.equal((await cluster.dfs(['cat', '/f'])).stdout, 'over-tls\n', 'the CLI sees what the mount wrote');
  t.equal(await cluster.stop('SIGTERM'), 0);
  t.notOk(isMounted(dir), 'unmounted with the cluster');
});
