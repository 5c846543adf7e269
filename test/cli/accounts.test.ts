// CLI sessions and users through the built bin/dfs; --help lists every command.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ADMIN_PASSWORD, runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';

t.test('login, logout, users', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const dir = tempDir(t);
  const env = { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'cfg'), DFS_MASTER: cl.url };
  const dfs = (args: string[], input?: string): ReturnType<typeof runDfs> => runDfs(args, env, input);

  const wrong = await dfs(['login', '--user', 'admin', '--password-stdin'], 'wrong\n');
  t.equal(wrong.code, 1);
  t.equal(wrong.stderr, 'dfs: wrong user name or password (EACCES)\n', 'wrong password');
  const login = await dfs(['login', '--user', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  t.equal(login.code, 0, 'login');
  const mode = fs.statSync(path.join(dir, 'cfg', 'session.json')).mode & 0o777;
  t.equal(mode, 0o600, 'the session file is 0600');
  t.equal((await dfs(['user', 'add', 'carol', '--password-stdin'], 'carol-pw\n')).code, 0, 'user add');
  t.match((await dfs(['user', 'list'])).stdout, /carol\s+1000/, 'user list');
  const dup = await dfs(['user', 'add', 'carol', '--password-stdin'], 'carol-pw\n');
  t.equal(dup.stderr, 'dfs: user carol exists (EEXIST)\n', 'duplicate user');

  t.equal((await dfs(['login', '--user', 'carol', '--password-stdin'], 'carol-pw\n')).code, 0, 'login as carol');
  t.match((await dfs(['whoami'])).stdout, /^carol \(uid 1000/, 'whoami carol');
  const denied = await dfs(['user', 'add', 'dave', '--password-stdin'], 'dave-pw\n');
  t.equal(denied.stderr, 'dfs: only an admin may add users (EPERM)\n', 'non-admin cannot add users');
  const token = (JSON.parse(fs.readFileSync(path.join(dir, 'cfg', 'session.json'), 'utf8')) as { token: string }).token;
  t.equal((await dfs(['logout'])).code, 0, 'logout');
  t.match((await dfs(['whoami'])).stderr, /not logged in/, 'logged out locally');
  // the revoked token no longer works at the master either
  fs.writeFileSync(path.join(dir, 'cfg', 'session.json'), JSON.stringify({ master: cl.url, token, user: 'carol', expires: Date.now() + 1e6 }));
  t.match((await dfs(['whoami'])).stderr, /session is invalid or expired.*\(EACCES\)/, 'revoked at the master');

  const help = await dfs(['--help']);
  for (const cmd of ['master', 'storage', 'up', 'login', 'logout', 'whoami', 'ls', 'stat', 'cat', 'put', 'get', 'mkdir', 'rm', 'mv', 'chmod', 'status', 'user']) {
    t.match(help.stdout, new RegExp(`^  ${cmd}\\b`, 'm'), `--help lists ${cmd}`);
  }
});
