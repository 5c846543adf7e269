// The systemd units in packaging/systemd run: each ExecStart line, with systemd's variable
// expansion and the paths moved under a scratch directory, starts a master, a storage node
// that joins it, and a mount of the cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ADMIN_PASSWORD, DFS_BIN, ROOT, runDfs, tempDir, waitForLine, type Teardown } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted } from '../helpers/mount.js';

const UNITS = path.join(ROOT, 'packaging', 'systemd');

/** ExecStart of a unit as argv: Environment= defaults, then `vars`, expanded as systemd does ($X splits into words, ${X} does not). */
function execStart(unit: string, vars: Record<string, string>, specifiers: Record<string, string>): string[] {
  const text = fs.readFileSync(path.join(UNITS, unit), 'utf8');
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=(.*)$/gm)) {
    for (const kv of m[1].trim().split(/\s+/)) {
      const i = kv.indexOf('=');
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  Object.assign(env, vars);
  const line = /^ExecStart=(.*)$/m.exec(text)![1].replace(/%([if])/g, (_, s: string) => specifiers[s]);
  return line.split(/\s+/).flatMap((word) => {
    const whole = /^\$\{(\w+)\}$/.exec(word);
    if (whole) return [env[whole[1]] ?? ''];
    const split = /^\$(\w+)$/.exec(word);
    if (split) return (env[split[1]] ?? '').split(/\s+/).filter(Boolean);
    return [word.replace(/\$\{(\w+)\}/g, (_, k: string) => env[k] ?? '')];
  });
}

function run(t: Teardown, argv: string[], root: string, env: NodeJS.ProcessEnv): ChildProcess {
  const [bin, ...args] = argv.map((a) => (a.startsWith('/var/lib/dfs') || a.startsWith('/etc/dfs') || a.startsWith('/mnt') ? path.join(root, a) : a));
  if (bin !== '/usr/local/bin/dfs') throw new Error(`the unit runs ${bin}, not the installed dfs`);
  const p = spawn(DFS_BIN, args, { env: { ...process.env, ...env, DFS_NODE: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() =>
    p.exitCode === null
      ? new Promise((r) => {
          p.once('exit', r);
          p.kill('SIGTERM');
        })
      : undefined,
  );
  return p;
}

t.test('dfs-master, dfs-storage@ and dfs-mount@ start what they say', { skip: fuseUnavailable() }, async (t) => {
  const root = tempDir(t);
  const env = { DFS_CONFIG_DIR: path.join(root, 'config'), DFS_ADMIN_PASSWORD: ADMIN_PASSWORD, DFS_MASTER: undefined };
  const master = run(t, execStart('dfs-master.service', { DFS_MASTER_HOST: '127.0.0.1', DFS_MASTER_PORT: '0' }, {}), root, env);
  const url = (await waitForLine(master, /^master: (ws\S+)$/m))[1];
  fs.mkdirSync(path.join(root, 'etc/dfs'), { recursive: true });
  fs.copyFileSync(path.join(root, 'var/lib/dfs/master/join-secret'), path.join(root, 'etc/dfs/join-secret'));

  const storage = run(
    t,
    execStart('dfs-storage@.service', { DFS_MASTER: url, DFS_STORAGE_HOST: '127.0.0.1', DFS_STORAGE_PORT: '0', DFS_STORAGE_ARGS: '--scrub-rate 0' }, { i: 'disk1' }),
    root,
    env,
  );
  await waitForLine(storage, /^storage: ws/m);
  t.ok(fs.existsSync(path.join(root, 'var/lib/dfs/storage-disk1')), 'the node keeps its blocks in /var/lib/dfs/storage-disk1');

  const login = await runDfs(['login', '--master', url, '--user', 'admin', '--password-stdin'], { ...process.env, ...env }, `${ADMIN_PASSWORD}\n`);
  t.equal(login.code, 0, login.stderr);
  const mountEnv = { ...env, DFS_MASTER: url };
  const mnt = path.join(root, 'mnt/dfs');
  fs.mkdirSync(mnt, { recursive: true });
  const mount = run(t, execStart('dfs-mount@.service', { DFS_CONFIG_DIR: env.DFS_CONFIG_DIR, DFS_MOUNT_ARGS: '--attr-cache 0' }, { f: '/mnt/dfs' }), root, mountEnv);
  await waitForLine(mount, /^mounted: /m, 20_000);
  fs.writeFileSync(path.join(mnt, 'hello'), 'hello\n');
  t.equal((await runDfs(['cat', '/hello'], { ...process.env, ...env })).stdout, 'hello\n', 'written through the mount, read with the CLI');
  mount.kill('SIGTERM');
  await new Promise((r) => mount.once('exit', r));
  t.notOk(isMounted(mnt), 'stopping the unit (SIGTERM) unmounts');
});
