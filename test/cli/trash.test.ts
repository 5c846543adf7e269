// `dfs rm` cannot hurt you: `/` is refused before anything is touched, and what it removes
// waits in the trash, where `dfs trash` lists, restores and purges it.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import type { TrashItem } from '../../src/protocol/types.js';

t.test('dfs rm -r / removes nothing; dfs rm goes to the trash and dfs trash brings it back', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await cl.dfs(args, input);
    t.equal(r.code, 0, `dfs ${args.join(' ')} exits 0${r.stderr ? `: ${r.stderr}` : ''}`);
    return r.stdout;
  };
  await ok(['mkdir', '-p', '/a/b']);
  await ok(['put', '-', '/a/b/f.txt'], 'data\n');
  await ok(['put', '-', '/top.txt'], 'top\n');

  for (const args of [
    ['rm', '-r', '/'],
    ['rm', '-rf', '/a', '/'],
    ['rm', '-r', '/a/..'],
    ['rm', '-r', '//'],
  ]) {
    const r = await cl.dfs(args);
    t.equal(r.code, 1, `dfs ${args.join(' ')} fails`);
    t.match(r.stderr, /^dfs: refusing to remove the root \(.*\); nothing was removed \(EBUSY\)\n$/, 'in one line that says nothing was removed');
    t.equal(await ok(['ls', '/']), 'a\ntop.txt\n', 'and nothing was');
  }

  await ok(['rm', '-r', '/a']);
  await ok(['rm', '/top.txt']);
  t.equal(await ok(['ls', '/']), '', 'both gone from the tree');
  const list = JSON.parse(await ok(['trash', 'list', '--json'])) as { items: TrashItem[]; retentionMs: number };
  t.same(
    list.items.map((i) => [i.path, i.type, i.files]),
    [
      ['/a', 'dir', 1],
      ['/top.txt', 'file', 1],
    ],
    'two items, the tree as one',
  );
  t.equal(list.retentionMs, 24 * 3600 * 1000, 'kept a day by default');
  t.match(await ok(['trash', 'list']), /^ID\s+REMOVED\s+BY\s+SIZE\s+PURGED\s+PATH\n\d+\s+.*\s+admin\s+5 B in 1 files\s+.*\s+\/a\/\n/, 'a table');
  t.match(await ok(['trash', 'restore', String(list.items[0].id), String(list.items[1].id)]), /restored \/top\.txt\nrestored \/a\n/, 'restore says where');
  t.equal(await ok(['cat', '/a/b/f.txt', '/top.txt']), 'data\ntop\n', 'everything back');

  await ok(['rm', '/top.txt']);
  t.match((await cl.dfs(['trash', 'purge', '--all'])).stderr, /^purged 1 item\n$/);
  t.equal(await ok(['trash', 'list']), '', 'empty');
  await ok(['rm', '--skip-trash', '/a/b/f.txt']);
  t.equal(await ok(['trash', 'list']), '', '--skip-trash keeps nothing');
  const r = await cl.dfs(['trash', 'restore', '999999']);
  t.match(r, { code: 1, stderr: /^dfs: no such item in the trash: 999999 \(ENOENT\)\n$/ });
});
