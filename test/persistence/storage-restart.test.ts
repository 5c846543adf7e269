// Disk-backed storage nodes keep what they were given: kill every node, start them again,
// and every file reads back byte for byte; a restarted `dfs up` finds all its files too.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import type { DfsClient } from '../../src/client/client.js';
import { spawnCluster, tempDir } from '../helpers/cluster.js';
import { blocksOnDisk, eventually, splitCluster } from '../helpers/split-cluster.js';
import { sha } from '../helpers/bytes.js';

const MiB = 1024 * 1024;
const SIZES = [0, 1, 1000, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB + 3];

async function writeAll(c: DfsClient, prefix: string): Promise<Map<string, string>> {
  const want = new Map<string, string>();
  for (const [i, size] of SIZES.entries()) {
    const data = randomBytes(size);
    const p = `${prefix}/f${i}`;
    const h = await c.create(p, 0o644);
    await h.write(0, data);
    await h.close();
    want.set(p, sha(data));
  }
  return want;
}

async function readSha(c: DfsClient, p: string): Promise<string> {
  const h = await c.openFile(p, { read: true, write: false });
  try {
    return sha(await h.read(0, h.size));
  } finally {
    await h.close();
  }
}

t.test('every storage node killed and restarted: all files read back with equal sha256', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2 });
  const c = await cl.client();
  await c.mkdir('/data', 0o755);
  const want = await writeAll(c, '/data');
  const before = cl.nodeDirs.map(blocksOnDisk);
  const total = before.reduce((n, s) => n + s.size, 0);
  t.equal(total, 2 * (1 + 1 + 1 + 1 + 2 + 3), 'two copies of every block, on disk');

  await Promise.all(cl.nodes.map((n) => n!.stop('SIGKILL')));
  await Promise.all(cl.nodes.map((_, i) => cl.startNode(i)));
  await cl.settle();
  // a fresh client (no cache) reads everything from the restarted nodes
  const fresh = await cl.client();
  for (const [p, h] of want) t.equal(await readSha(fresh, p), h, `${p} after the restart`);
  // Had the master declared nodes dead meanwhile, it made extra copies and trims them once
  // all are back; either way the cluster ends with two copies of every block it had.
  const all = new Set(before.flatMap((b) => [...b]));
  await eventually('two copies of every block on disk', () => {
    const now = cl.nodeDirs.map(blocksOnDisk);
    const ok = [...all].every((id) => now.filter((s) => s.has(id)).length === 2) && now.reduce((n, s) => n + s.size, 0) === total;
    return ok ? true : undefined;
  });
  t.pass('every block has two copies, and no other block file is left');
  const s = await eventually('the master to agree', async () => {
    const st = await cl.status();
    return st.underReplicated === 0 && st.missing === 0 ? st : undefined;
  });
  t.same([s.underReplicated, s.missing, s.corrupt], [0, 0, 0]);
});

t.test('dfs up restarted on the same data dir finds all its files', async (t) => {
  const dir = tempDir(t);
  const first = await spawnCluster(t, { dir });
  const c = await first.client();
  await c.mkdir('/keep', 0o755);
  const want = await writeAll(c, '/keep');
  c.close();
  t.equal(await first.stop(), 0, 'a clean stop');

  const second = await spawnCluster(t, { dir });
  const c2 = await second.client();
  for (const [p, h] of want) t.equal(await readSha(c2, p), h, `${p} after dfs up restarted`);
  const ls = await second.dfs(['ls', '/keep']);
  t.equal(ls.stdout.trim().split('\n').length, SIZES.length);
});
