// CLI failures: one clear line, a non-zero exit, no stack trace.
import path from 'node:path';
import t from 'tap';
import { runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';

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
  const unreachable = await runDfs(
    ['login', '--user', 'admin', '--password-stdin', '--master', 'ws://127.0.0.1:1'],
    { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'c2') },
    'pw\n',
  );
  t.equal(unreachable.code, 1);
  t.equal(unreachable.stderr, 'dfs: cannot reach ws://127.0.0.1:1: connection refused (ECONNREFUSED)\n', 'unreachable master');
  for (const r of [missing, getMissing, noLogin, unreachable]) t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
