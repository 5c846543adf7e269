// A replication factor above the number of storage nodes: accepted with a warning, met as
// far as one copy a node goes, and not reported as damage by fsck or status for ever after.
import t from 'tap';
import type { PathInfo } from '../../src/protocol/types.js';
import { spawnCluster } from '../helpers/cluster.js';
import { eventually } from '../helpers/split-cluster.js';

t.test('dfs replicas F 9 on three nodes: a warning, three copies, fsck HEALTHY', async (t) => {
  const cl = await spawnCluster(t, { nodes: 3, replicas: 2 });
  t.equal((await cl.dfs(['put', '-', '/f'], 'some bytes\n')).code, 0);
  const r = await cl.dfs(['replicas', '/f', '9']);
  t.equal(r.code, 0, 'accepted');
  t.equal(r.stderr, 'dfs: warning: the cluster has 3 storage nodes: blocks get at most 3 copies (one a node) until more join\n');
  await eventually('three copies', async () => {
    const info = JSON.parse((await cl.dfs(['info', '--json', '/f'])).stdout) as PathInfo;
    return info.blocks![0]!.live === 3 ? true : undefined;
  });
  const fsck = await cl.dfs(['fsck']);
  t.equal(fsck.code, 0, `fsck exits 0: ${fsck.stdout}`);
  t.match(fsck.stdout, /^1 files ask for more copies than the cluster has storage nodes: one copy a node is what they can have$/m);
  t.match(fsck.stdout, /0 missing, 0 under-replicated[\s\S]*HEALTHY\n$/);
  const status = JSON.parse((await cl.dfs(['status', '--json'])).stdout) as { underReplicated: number };
  t.equal(status.underReplicated, 0, 'status counts nothing under-replicated');
  t.equal((await cl.dfs(['replicas', '/f', '2'])).stderr, '', 'no warning for a factor the nodes can meet');
});
