// Logs are for whoever reads them: one readable line per entry on a terminal, JSON lines
// when stderr is a pipe or a file (journald, a collector), and DFS_LOG_FORMAT decides.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import t from 'tap';
import { DFS_BIN, tempDir } from '../helpers/cluster.js';

/**
 * `dfs up` with stderr a pipe or (through script(1)) a terminal, until it has logged that the
 * master listens (or 60 s), then stopped (script passes SIGTERM on); what it printed.
 */
function briefly(dir: string, opts: { tty: boolean; env?: NodeJS.ProcessEnv }): Promise<string> {
  const up = `${DFS_BIN} up --memory --port 0 --storage-nodes 1`;
  const [cmd, args] = opts.tty ? ['script', ['-qec', up, '/dev/null']] : ['sh', ['-c', `exec ${up} 2>&1`]];
  const p = spawn(cmd, args, {
    env: { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'config'), DFS_LOG_LEVEL: 'info', DFS_LOG_FORMAT: undefined, DFS_NODE: process.execPath, ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const clean = (): string => stripVTControlCharacters(out).replace(/\r/g, '');
  const stop = setTimeout(() => p.kill('SIGTERM'), 60_000);
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (/master listening/.test(clean())) p.kill('SIGTERM');
  });
  return new Promise((resolve) =>
    p.once('close', () => {
      clearTimeout(stop);
      resolve(clean());
    }),
  );
}

const listening = /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: master: master listening \{"url":"ws:\/\/127\.0\.0\.1:\d+"\}$/m;

t.test('on a terminal: one readable line per entry', async (t) => {
  const out = await briefly(tempDir(t), { tty: true });
  t.match(out, listening, 'time, level, component, message, fields');
  t.notMatch(out, /^\{"level"/m, 'no JSON');
});

t.test('into a pipe: JSON lines, unless DFS_LOG_FORMAT=pretty', async (t) => {
  const out = await briefly(tempDir(t), { tty: false });
  const entry = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; component: string; level: number })
    .find((e) => e.msg === 'master listening');
  t.match(entry, { component: 'master', level: 30 }, 'a JSON line a collector can parse');
  t.match(await briefly(tempDir(t), { tty: false, env: { DFS_LOG_FORMAT: 'pretty' } }), listening, 'DFS_LOG_FORMAT=pretty');
  t.match(await briefly(tempDir(t), { tty: true, env: { DFS_LOG_FORMAT: 'json' } }), /^\{"level":30,.*"msg":"master listening"/m, 'DFS_LOG_FORMAT=json on a terminal');
});
