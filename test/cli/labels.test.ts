// The errno and the line a mistake gets say what happened: a host name that does not
// resolve, a port in use, a storage node's port taken for the master, a typo, a --master
// other than the saved login's; and help shows the options that apply.
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { ADMIN_PASSWORD, runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';

const env = (dir: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  DFS_CONFIG_DIR: path.join(dir, 'config'),
  DFS_MASTER: undefined,
  ...more,
});

t.test('a typo is one line with a suggestion; login --help shows --master; --version names the commit', async (t) => {
  const dir = tempDir(t);
  const typo = await runDfs(['stauts'], env(dir));
  t.same([typo.code, typo.stderr], [2, "dfs: unknown command 'stauts' (did you mean status?); see dfs --help\n"]);
  const opt = await runDfs(['ls', '--lnog'], env(dir));
  t.match(opt, { code: 2, stderr: /^dfs: unknown option '--lnog'.*; see dfs --help\n$/ }, 'an unknown option too');
  const help = await runDfs(['login', '--help'], env(dir));
  t.match(help.stdout, /Global Options:[\s\S]*--master <url>/, 'login --help shows --master');
  const version = await runDfs(['--version'], env(dir));
  t.match(version.stdout, /^dfs \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n$/);
});

t.test("a host name that does not resolve, a storage node's port, a --master that is not the saved login's", async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const dir = tempDir(t);
  const login = (master: string): Promise<{ code: number; stderr: string }> =>
    runDfs(['login', '--master', master, '--user', 'admin', '--password-stdin'], env(dir), `${ADMIN_PASSWORD}\n`);

  const dns = await login('ws://no-such-host.invalid:7070');
  t.match(dns, { code: 1, stderr: /^dfs: cannot reach ws:\/\/no-such-host\.invalid:7070: the host name no-such-host\.invalid does not resolve .*\(EHOSTUNREACH\)\n$/ });

  const status = JSON.parse((await cl.dfs(['status', '--json'])).stdout) as { nodes: { url: string }[] };
  const storage = await login(status.nodes[0].url);
  t.match(storage, { code: 1, stderr: /^dfs: ws:\/\/.* is not a dfs master \(it does not know auth\.login\); a storage node's port\? \(EPROTO\)\n$/ });

  t.equal((await login(cl.url)).code, 0, 'logged in to the real master');
  const other = 'ws://127.0.0.1:1';
  const wrong = await runDfs(['ls', '/', '--master', other], env(dir));
  t.match(wrong, { code: 1, stderr: new RegExp(`^dfs: the saved login is for ${cl.url}, not ${other} \\(from --master\\): .*\\(EACCES\\)\\n$`) });
  const fromEnv = await runDfs(['ls', '/'], env(dir, { DFS_MASTER: other }));
  t.match(fromEnv.stderr, /\(from DFS_MASTER\)/, 'and names DFS_MASTER when that is where it came from');
});

t.test('a login to the same wss:// master reuses the CA saved with the last one', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--tls'] });
  const dir = tempDir(t);
  const ca = path.join(cl.dir, 'data', 'tls', 'ca.pem');
  const first = await runDfs(['login', '--master', cl.url, '--ca', ca, '--user', 'admin', '--password-stdin'], env(dir), `${ADMIN_PASSWORD}\n`);
  t.equal(first.code, 0, first.stderr);
  const again = await runDfs(['login', '--master', cl.url, '--user', 'admin', '--password-stdin'], env(dir), `${ADMIN_PASSWORD}\n`);
  t.equal(again.code, 0, `no --ca needed the second time: ${again.stderr}`);
  t.equal((await runDfs(['whoami'], env(dir))).stdout.split(' ')[0], 'admin');
});

t.test('a port in use is EADDRINUSE in one line', async (t) => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => busy.close());
  const port = String((busy.address() as net.AddressInfo).port);
  const dir = tempDir(t);
  for (const args of [
    ['master', '--data-dir', path.join(dir, 'm'), '--port', port],
    ['up', '--data-dir', path.join(dir, 'up'), '--port', port],
  ]) {
    const r = await runDfs(args, env(dir));
    t.match(r, { code: 1, stderr: new RegExp(`dfs: dfs (master|up): port ${port} on 127\\.0\\.0\\.1 is in use .*\\(EADDRINUSE\\)\\n$`) }, `dfs ${args[0]}`);
  }
});
