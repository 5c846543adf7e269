// The CLI's file commands through the built bin/dfs.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { spawnCluster, tempDir } from '../helpers/cluster.js';
import { sha } from '../helpers/bytes.js';

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
