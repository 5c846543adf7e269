// Every CLI command through the built bin/dfs, with its output and its errors.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ADMIN_PASSWORD, runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

t.test('file commands', async (t) => {
  const cl = await spawnCluster(t);
  const dir = tempDir(t);
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await cl.dfs(args, input);
    t.equal(r.code, 0, `dfs ${args.join(' ')} exits 0${r.stderr ? `: ${r.stderr}` : ''}`);
    return r.stdout;
  };

  t.match(await ok(['whoami']), /^admin \(uid 0/, 'whoami after `dfs up` logged the CLI in');
  await ok(['mkdir', '-p', '/a/b/c']);
  await ok(['mkdir', '-p', '/a/b/c']); // -p: no error when it exists
  const local = path.join(dir, 'in.bin');
  const data = randomBytes(5 * 1024 * 1024 + 7);
  fs.writeFileSync(local, data);
  await ok(['put', local, '/a/b/c/file.bin']);
  await ok(['put', local, '/a/']); // into a directory keeps the name
  t.equal(await ok(['ls', '/a']), 'b\nin.bin\n', 'ls lists names');
  t.match(await ok(['ls', '-l', '/a/b/c']), /^-rw-r--r--\s+1\s+admin\s+admin\s+5242887\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+file\.bin$/m, 'ls -l row');
  const stat = JSON.parse(await ok(['stat', '--json', '/a/b/c/file.bin'])) as { size: number; type: string; mode: number };
  t.same([stat.size, stat.type, stat.mode & 0o777], [data.length, 'file', 0o644], 'stat --json');
  t.match(await ok(['stat', '/a']), /type\s+dir/, 'stat text');

  const out = path.join(dir, 'out.bin');
  await ok(['get', '/a/b/c/file.bin', out]);
  t.equal(sha(fs.readFileSync(out)), sha(data), 'get returns the same bytes');
  await ok(['get', '/a/in.bin', dir]); // into a directory
  t.equal(sha(fs.readFileSync(path.join(dir, 'in.bin'))), sha(data), 'get into a directory');

  const small = path.join(dir, 'hello.txt');
  fs.writeFileSync(small, 'hello\n');
  await ok(['put', small, '/hello.txt']);
  t.equal(await ok(['cat', '/hello.txt', '/hello.txt']), 'hello\nhello\n', 'cat of two files');

  await ok(['chmod', '600', '/hello.txt']);
  t.match(await ok(['ls', '-l', '/hello.txt']), /^-rw------- /, 'chmod 600 shows in ls -l');
  await ok(['mv', '/hello.txt', '/a/b']);
  t.equal(await ok(['cat', '/a/b/hello.txt']), 'hello\n', 'mv into a directory');
  await ok(['mv', '/a/b/hello.txt', '/greeting.txt']);
  t.equal(await ok(['cat', '/greeting.txt']), 'hello\n', 'mv renames');
  await ok(['replicas', '/greeting.txt', '2']);
  t.match(await ok(['stat', '/greeting.txt']), /replicas\s+2/, 'replicas sets the factor');

  await ok(['rm', '/greeting.txt']);
  const rmDir = await cl.dfs(['rm', '/a']);
  t.equal(rmDir.code, 1, 'rm of a directory without -r fails');
  t.match(rmDir.stderr, /^dfs: is a directory \(use -r\): \/a \(EISDIR\)\n$/, 'and says why in one line');
  await ok(['rm', '-r', '/a']);
  t.equal(await ok(['ls', '/']), '', 'the tree is gone');
  await ok(['rm', '-f', '/not-there']);

  const status = JSON.parse(await ok(['status', '--json'])) as { nodes: { alive: boolean }[]; files: number };
  t.equal(status.nodes.filter((n) => n.alive).length, 3, 'status: 3 live nodes');
  t.match(await ok(['status']), /NODE\s+STATE\s+URL/, 'status table');
});

t.test('errors are one clear line with a non-zero exit', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const missing = await cl.dfs(['cat', '/nope']);
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'dfs: no such file or directory: /nope (ENOENT)\n', 'missing file');
  const getMissing = await cl.dfs(['get', '/nope', '/tmp/x']);
  t.match(getMissing.stderr, /^dfs: .*\(ENOENT\)\n$/, 'get of a missing file');
  const putMissing = await cl.dfs(['put', '/definitely/not/here', '/x']);
  t.equal(putMissing.stderr, 'dfs: no such local file: /definitely/not/here (ENOENT)\n', 'put of a missing local file');
  const badMode = await cl.dfs(['chmod', 'rwx', '/']);
  t.equal(badMode.code, 2, 'usage errors exit 2');
  t.match(badMode.stderr, /^dfs: mode must be octal/);

  const dir = tempDir(t);
  const noLogin = await runDfs(['ls', '/'], { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'empty'), DFS_MASTER: cl.url });
  t.equal(noLogin.code, 1);
  t.match(noLogin.stderr, /^dfs: not logged in: run `dfs login/, 'missing login');
  const noMaster = await runDfs(['ls', '/'], { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'empty'), DFS_MASTER: undefined });
  t.match(noMaster.stderr, /^dfs: no master: pass --master URL/, 'no master configured');
  const unreachable = await runDfs(['login', '--user', 'admin', '--password-stdin', '--master', 'ws://127.0.0.1:1'], { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'c2') }, 'pw\n');
  t.equal(unreachable.code, 1);
  t.equal(unreachable.stderr, 'dfs: cannot reach ws://127.0.0.1:1: connection refused (ECONNREFUSED)\n', 'unreachable master');
  for (const r of [missing, getMissing, noLogin, unreachable]) t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

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
