// The admin's password cannot be lost: a first start that cannot listen makes no admin (the
// next start shows the password), and `dfs master reset-admin` sets a new one offline.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { DFS_BIN, runDfs, tempDir, waitForLine, type Teardown } from '../helpers/cluster.js';

const env = (dir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  DFS_CONFIG_DIR: path.join(dir, 'config'),
  DFS_MASTER: undefined,
  DFS_ADMIN_PASSWORD: undefined,
});

/** `dfs master` in its own process, until the test ends; its URL and first lines. */
async function startMaster(t: Teardown, dir: string): Promise<{ url: string; stdout: string; stop(): Promise<void> }> {
  const p = spawn(DFS_BIN, ['master', '--data-dir', path.join(dir, 'm'), '--port', '0'], {
    env: { ...env(dir), DFS_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await exited;
  };
  t.teardown(stop);
  const m = await waitForLine(p, /^master: (ws\S+)\n(?:admin password: .*\n)?join secret: /m);
  return { url: m[1], stdout: m[0], stop };
}

const login = (dir: string, url: string, password: string): Promise<{ code: number; stderr: string }> =>
  runDfs(['login', '--master', url, '--user', 'admin', '--password-stdin'], env(dir), `${password}\n`);

t.test('a first start whose port is taken makes no admin; the next start shows the password', async (t) => {
  const dir = tempDir(t);
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = String((busy.address() as net.AddressInfo).port);
  const refused = await runDfs(['master', '--data-dir', path.join(dir, 'm'), '--port', port], env(dir));
  busy.close();
  t.equal(refused.code, 1, 'the start fails');
  t.notMatch(refused.stdout, /admin password/, 'and shows no password, for none was made');

  const m = await startMaster(t, dir);
  const shown = /^admin password: (\S+) \(shown once\)$/m.exec(m.stdout);
  t.ok(shown, 'the first start that listens shows the password');
  t.equal((await login(dir, m.url, shown![1])).code, 0, 'and it logs in');
});

t.test('dfs master reset-admin: refused while the master runs, then a new password that works', async (t) => {
  const dir = tempDir(t);
  let m = await startMaster(t, dir);
  const old = /^admin password: (\S+)/m.exec(m.stdout)![1];
  t.equal((await login(dir, m.url, old)).code, 0);
  const busy = await runDfs(['master', 'reset-admin', '--data-dir', path.join(dir, 'm')], env(dir));
  t.match(busy, { code: 1, stderr: /^dfs: a master \(pid \d+\) is using .*; stop it first \(EBUSY\)\n$/ }, 'refused while it runs');
  await m.stop();

  const reset = await runDfs(['master', 'reset-admin', '--data-dir', path.join(dir, 'm')], env(dir));
  t.equal(reset.code, 0, reset.stderr);
  const fresh = /^admin password: (\S+) \(shown once\)$/m.exec(reset.stdout)![1];
  t.match(reset.stderr, /1 session ended/, 'the login made above is ended');
  const chosen = await runDfs(['master', '--data-dir', path.join(dir, 'm'), 'reset-admin', '--password-stdin'], env(dir), 'chosen-password\n');
  t.equal(chosen.code, 0, chosen.stderr);
  t.notMatch(chosen.stdout, /admin password/, 'a password from stdin is not printed');

  m = await startMaster(t, dir);
  t.notMatch(m.stdout, /admin password/, 'a restart makes no new admin');
  t.equal((await login(dir, m.url, old)).code, 1, 'the old password is refused');
  t.equal((await login(dir, m.url, fresh)).code, 1, "so is the first reset's");
  t.equal((await login(dir, m.url, 'chosen-password')).code, 0, 'the last one logs in');
  t.match(await runDfs(['master', 'reset-admin', '--data-dir', path.join(dir, 'nothing-here')], env(dir)), { code: 1, stderr: /no master metadata/ });
});
