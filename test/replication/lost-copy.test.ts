// A block file that vanishes from a node's disk (deleted by hand, a bad sector's fsck) is a
// lost copy: the node tells the master as soon as a read or its scrub finds it gone, so
// `dfs status` shows the block under-replicated at once and repair makes a new copy, not at
// the next 10-minute reconciliation.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sha, readAll } from '../helpers/bytes.js';
import { blocksOnDisk, eventually, splitCluster, type SplitCluster } from '../helpers/split-cluster.js';

const MiB = 1024 * 1024;

async function writeFile(cl: SplitCluster, name: string, data: Buffer): Promise<{ id: string; nodes: { id: string }[] }[]> {
  const c = await cl.client();
  const h = await c.create(name, 0o644);
  await h.write(0, data);
  await h.close();
  return (await c.callRaw('fs.open', { path: name, read: true })).meta.blocks as { id: string; nodes: { id: string }[] }[];
}

function nodeDirOf(cl: SplitCluster, nodeId: string): string {
  return cl.nodeDirs.find((d) => (JSON.parse(fs.readFileSync(path.join(d, 'storage.json'), 'utf8')) as { nodeId: string }).nodeId === nodeId)!;
}

const blockFile = (dir: string, id: string): string => path.join(dir, 'blocks', id.slice(0, 2), id);

t.test('a read that finds a block file gone reports it, and repair follows at once', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2 });
  const data = randomBytes(4 * MiB + 11);
  const blocks = await writeFile(cl, '/f', data);
  const b = blocks[0];
  // the copy the master lists first is the one a reader tries first
  fs.rmSync(blockFile(nodeDirOf(cl, b.nodes[0].id), b.id));
  const reader = await cl.client();
  t.equal(sha(await readAll(reader, '/f')), sha(data), 'the read is served by the other copy');
  const seen = await eventually(
    'the master to count the block under-replicated',
    async () => {
      const s = await cl.status();
      return s.underReplicated! > 0 ? s : undefined;
    },
    15_000,
  );
  t.ok(seen.underReplicated! >= 1, 'status shows the lost copy');
  await eventually('a second copy again', () => (cl.nodeDirs.filter((d) => blocksOnDisk(d).has(b.id)).length === 2 ? true : undefined), 30_000);
  await eventually('counts to clear', async () => ((await cl.status()).underReplicated === 0 ? true : undefined), 30_000);
  t.equal((await cl.dfs(['fsck'])).code, 0, 'fsck is clean');
});

t.test('the scrub finds a block file gone and reports it', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2, nodeArgs: ['--scrub-rate', '512', '--scrub-after', '0'] });
  const blocks = await writeFile(cl, '/cold', randomBytes(100_000));
  const b = blocks[0];
  fs.rmSync(blockFile(nodeDirOf(cl, b.nodes[0].id), b.id));
  // (the new copy may land on the node that lost it: it is no longer listed there)
  await eventually('a second copy made without any read', () => (cl.nodeDirs.filter((d) => blocksOnDisk(d).has(b.id)).length === 2 ? true : undefined), 60_000);
  t.pass('the lost copy was replaced');
});
