// `dfs completion bash` completes commands, subcommands and options from the command tree,
// as bash itself runs the script; local paths complete as files.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runDfs, tempDir } from '../helpers/cluster.js';
import { sh } from '../helpers/mount.js';

t.test('bash completion', async (t) => {
  const dir = tempDir(t);
  const script = path.join(dir, 'dfs.bash');
  const r = await runDfs(['completion', 'bash'], process.env);
  t.equal(r.code, 0, r.stderr);
  fs.writeFileSync(script, r.stdout);
  fs.writeFileSync(path.join(dir, 'notes.txt'), '');
  const complete = async (...words: string[]): Promise<string> =>
    (
      await sh(`bash -c 'source ${script}; COMP_WORDS=(${words.map((w) => `"${w}"`).join(' ')}); COMP_CWORD=${words.length - 1}; _dfs; echo "\${COMPREPLY[*]}"'`, { cwd: dir })
    ).stdout.trim();
  t.same((await complete('dfs', 'sta')).split(' ').sort(), ['stat', 'status'], 'commands');
  t.equal(await complete('dfs', 'trash', ''), 'list restore purge', 'subcommands');
  t.match(await complete('dfs', 'ls', '-'), /(^| )-R( |$).*--json/, 'options of ls');
  t.match(await complete('dfs', 'node', 'drain', '--'), /--help/);
  t.equal(await complete('dfs', 'put', 'no'), 'notes.txt', 'local files');
  t.match((await runDfs(['completion', 'zsh'], process.env)).stdout, /^#compdef dfs\nautoload -U \+X bashcompinit/, 'zsh, through bashcompinit');
  t.equal((await runDfs(['completion', 'fish'], process.env)).code, 2);
});
