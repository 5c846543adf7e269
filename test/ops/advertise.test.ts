// Running nodes apart, as in containers: the master takes the join secret it is given
// (a file, or DFS_JOIN_SECRET), and a storage node registers the URL it is reached at (--advertise) rather
// than the one it listens on, and clients then dial that one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DFS_BIN, runDfs, waitForLine } from '../helpers/cluster.js';
import { eventually, freePort, splitCluster } from '../helpers/split-cluster.js';

const SECRET = 'a-join-secret-from-the-environment';

t.test('a master given its join secret; a storage node that advertises its URL', async (t) => {
  const secretFile = path.join(fs.mkdtempSync('/tmp/dfs-secret-'), 'secret');
  t.teardown(() => fs.rmSync(path.dirname(secretFile), { recursive: true, force: true }));
  fs.writeFileSync(secretFile, `${SECRET}\n`);
  const cluster = await splitCluster(t, { nodes: 0, replicas: 1, masterArgs: ['--join-secret-file', secretFile] });
  t.notOk(fs.existsSync(path.join(cluster.masterDir, 'join-secret')), 'no secret of its own is made when one is given');

  const port = await freePort();
  // "localhost" is not the 127.0.0.1 the node listens on: only the advertised URL says it
  const advertised = `ws://localhost:${port}`;
  const node = spawn(DFS_BIN, ['--master', cluster.url, 'storage', '--memory', '--host', '127.0.0.1', '--port', String(port), '--advertise', `${advertised}/`], {
    env: { ...cluster.env, DFS_JOIN_SECRET: SECRET, DFS_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => node.kill('SIGKILL'));
  const line = await waitForLine(node, /^storage: .*$/m, 30000);
  t.equal(line[0], `storage: ws://127.0.0.1:${port} (advertised as ${advertised})`);

  const st = await eventually('the node to register', async () => {
    const s = await cluster.status();
    return s.nodes.some((n) => n.alive) ? s : undefined;
  });
  t.same(
    st.nodes.map((n) => n.url),
    [advertised],
    'the master lists the advertised URL',
  );
  const c = await cluster.client();
  const h = await c.create('/f', 0o644);
  await h.write(0, Buffer.from('through the advertised URL'));
  await h.close();
  const r = await c.openFile('/f', { read: true, write: false });
  t.equal((await r.read(0, 100)).toString(), 'through the advertised URL', 'a client writes and reads through it');
  await r.close();

  const bad = await runDfs(['--master', cluster.url, 'storage', '--memory', '--join-secret', SECRET, '--advertise', 'http://x:1'], cluster.env);
  t.not(bad.code, 0, 'a URL that is not ws:// is refused');
  t.match(bad.stderr, /--advertise must be ws:\/\/HOST:PORT/);
  t.equal(bad.stderr.trim().split('\n').length, 1, 'in one line');

  const busy = await runDfs(['master', '--host', '127.0.0.1', '--port', new URL(cluster.url).port, '--data-dir', path.join(cluster.dir, 'second')], cluster.env);
  t.not(busy.code, 0, 'a second master on a port in use stops');
  const lines = busy.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{'));
  t.same(lines.length, 1, 'with one line, no stack trace');
  t.match(lines[0], /EADDRINUSE/);
});
