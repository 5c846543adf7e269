// Every command and subcommand `dfs --help` lists is in the README's CLI table.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ROOT, runDfs } from '../helpers/cluster.js';

const commandsIn = (help: string): string[] => [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');

t.test("the README's CLI table names every command", async (t) => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const rows = readme
    .split('\n')
    .filter((l) => l.startsWith('| `dfs '))
    .map((l) => l.split(' | ')[0]);
  const top = commandsIn((await runDfs(['--help'], process.env)).stdout);
  t.ok(top.length > 30, `${top.length} commands`);
  for (const c of top) {
    const subs = commandsIn((await runDfs([c, '--help'], process.env)).stdout);
    const mine = rows.filter((r) => new RegExp(`\`dfs ${c}\\b`).test(r));
    t.ok(mine.length > 0, `dfs ${c} is in the table`);
    for (const s of subs)
      t.ok(
        mine.some((r) => new RegExp(`\`dfs ${c} [^\`]*\\b${s}\\b`).test(r)),
        `dfs ${c} ${s} is in the table`,
      );
  }
});
