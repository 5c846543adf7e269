// dfs put and get: a reader never sees half a file, an interrupted or refused transfer leaves
// nothing behind, a destination ending in / must be a directory, trees go both ways, and
// `-` is stdin or stdout.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { uploadFile } from '../../src/cli/transfer.js';
import { DFS_BIN, localCluster, spawnCluster, tempDir } from '../helpers/cluster.js';
import { code, readAll, sha } from '../helpers/bytes.js';
import { sh } from '../helpers/mount.js';
import { eventually } from '../helpers/split-cluster.js';

const exited = (p: ReturnType<typeof spawn>): Promise<number | null> => new Promise((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.once('exit', (c) => resolve(c))));

t.test('a destination ending in / must be a directory', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const dir = tempDir(t);
  const small = path.join(dir, 'small.txt');
  fs.writeFileSync(small, 'small\n');
  let r = await cl.dfs(['put', small, '/missing/']);
  t.match(r, { code: 1, stderr: /^dfs: no such directory: \/missing\/ \(ENOENT\)\n$/ }, 'put to /missing/: ENOENT');
  t.equal((await cl.dfs(['ls', '/'])).stdout, '', 'and no file named /missing was made');
  t.equal((await cl.dfs(['put', small, '/file'])).code, 0);
  r = await cl.dfs(['put', small, '/file/']);
  t.match(r, { code: 1, stderr: /\(ENOTDIR\)\n$/ }, 'put to /file/ where /file is a file: ENOTDIR');
  r = await cl.dfs(['get', '/file', path.join(dir, 'nowhere') + '/']);
  t.match(r, { code: 1, stderr: /^dfs: no such directory: .*nowhere\/ \(ENOENT\)\n$/ }, 'get to a missing dir/: ENOENT');
  t.notOk(fs.existsSync(path.join(dir, 'nowhere')), 'nothing made locally either');
});

t.test('an interrupted put: readers see the old file throughout, and nothing is left', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const c = await cl.client();
  t.equal((await cl.dfs(['put', '-', '/x'], 'the old version\n')).code, 0);
  const put = spawn(DFS_BIN, ['put', '-', '/x'], { env: { ...cl.env, DFS_NODE: process.execPath }, stdio: ['pipe', 'ignore', 'pipe'] });
  t.teardown(() => put.kill('SIGKILL'));
  // the put is interrupted with bytes of this still unread: its pipe breaks (EPIPE), as meant
  put.stdin.on('error', () => undefined);
  put.stdin.write(randomBytes(12 * 1024 * 1024));
  // the upload is under way (its temporary file exists) and cannot end: stdin is still open
  const temp = await eventually('the temporary file', async () => (await c.readdir('/')).find((e) => e.name.startsWith('.x.dfs-put-'))?.name);
  t.equal((await readAll(c, '/x')).toString(), 'the old version\n', 'meanwhile /x is the old file, whole');
  put.kill('SIGINT');
  t.equal(await exited(put), 130, 'Ctrl-C: exit 130, as a shell reports it');
  t.same(
    (await c.readdir('/')).map((e) => e.name),
    ['x'],
    `the temporary file ${temp} is gone`,
  );
  t.equal((await readAll(c, '/x')).toString(), 'the old version\n', 'and /x untouched');
  t.same((await c.trashList()).items, [], 'not in the trash either');
});

t.test('an interrupted get leaves no partial file', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const dir = tempDir(t);
  const big = path.join(dir, 'big.bin');
  fs.writeFileSync(big, randomBytes(48 * 1024 * 1024));
  t.equal((await cl.dfs(['put', big, '/big'])).code, 0);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const get = spawn(DFS_BIN, ['get', '/big', path.join(out, 'copy')], { env: { ...cl.env, DFS_NODE: process.execPath }, stdio: 'ignore' });
  t.teardown(() => get.kill('SIGKILL'));
  const partial = await eventually(
    'a partial file with bytes in it',
    () => fs.readdirSync(out).find((n) => n.startsWith('.copy.dfs-get-') && fs.statSync(path.join(out, n)).size > 0),
    30_000,
  );
  // the cluster stopped in its tracks: the get can go on no further, and is interrupted mid-way
  cl.proc.kill('SIGSTOP');
  t.teardown(() => cl.proc.kill('SIGCONT'));
  get.kill('SIGINT');
  t.equal(await exited(get), 130, 'exit 130');
  cl.proc.kill('SIGCONT');
  t.same(fs.readdirSync(out), [], `${partial} removed, and no copy`);
});

t.test('a put the cluster refuses (ENOSPC) leaves no file behind', async (t) => {
  const cl = await localCluster(t, { nodes: 1, nodeCapacity: 1024 * 1024 });
  const dir = tempDir(t);
  const local = path.join(dir, 'f');
  fs.writeFileSync(local, randomBytes(100_000));
  for (let i = 0; i < 3; i++) t.equal(await code(uploadFile(cl.admin, local, `/f${i}`)), 'ENOSPC', `put ${i}: ENOSPC`);
  t.same(await cl.admin.readdir('/'), [], 'no empty file, no temporary file');
  t.same((await cl.admin.trashList()).items, [], 'and nothing in the trash');
});

t.test('put -r and get -r copy trees as cp -r does; - is stdin and stdout', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const dir = tempDir(t);
  const src = path.join(dir, 'tree');
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  fs.mkdirSync(path.join(src, 'empty'));
  fs.writeFileSync(path.join(src, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(src, 'sub', 'b.bin'), randomBytes(5 * 1024 * 1024 + 3));
  fs.writeFileSync(path.join(src, 'sub', 'deeper', 'c'), '');
  fs.chmodSync(path.join(src, 'a.txt'), 0o600);
  fs.symlinkSync('sub/b.bin', path.join(src, 'link'));

  let r = await cl.dfs(['put', src, '/']);
  t.match(r, { code: 1, stderr: /is a directory \(use -r\)/ }, 'a directory needs -r');
  r = await cl.dfs(['put', '-r', src, '/']);
  t.equal(r.code, 0, r.stderr);
  t.equal((await cl.dfs(['ls', '/tree'])).stdout, 'a.txt\nempty\nlink\nsub\n', 'into an existing directory: /tree');
  t.equal((await cl.dfs(['put', '-r', src, '/copy'])).code, 0);
  t.equal((await cl.dfs(['ls', '/copy'])).stdout, 'a.txt\nempty\nlink\nsub\n', 'to a new name: the copy is /copy');

  const back = path.join(dir, 'back');
  r = await cl.dfs(['get', '-r', '/tree', back]);
  t.equal(r.code, 0, r.stderr);
  const diff = await sh(`diff -r --no-dereference ${src} ${back} && stat -c %a ${back}/a.txt && readlink ${back}/link`);
  t.equal(diff.stdout, '600\nsub/b.bin\n', `the same tree, modes and symlinks: ${diff.stderr}`);

  r = await cl.dfs(['put', '-', '/from-stdin'], 'piped in\n');
  t.equal(r.code, 0, r.stderr);
  r = await cl.dfs(['get', '/from-stdin', '-']);
  t.equal(r.stdout, 'piped in\n', 'get - writes to stdout');
  r = await cl.dfs(['get', '/tree/sub/b.bin', '/tree/a.txt', dir]);
  t.equal(r.code, 0, r.stderr);
  t.equal(sha(fs.readFileSync(path.join(dir, 'b.bin'))), sha(fs.readFileSync(path.join(src, 'sub', 'b.bin'))), 'several files into a directory');
  t.same(
    fs.readdirSync(dir).filter((n) => n.includes('dfs-get')),
    [],
    'no partial files left after good gets',
  );
});
