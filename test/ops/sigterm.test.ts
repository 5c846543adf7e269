// SIGTERM during a stream of writes: each close() either succeeded, and the file is there
// with its bytes after a restart, or failed with an error. Never acknowledged and lost.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { DfsError } from '../../src/rpc/errors.js';
import { ADMIN_PASSWORD, spawnCluster, tempDir } from '../helpers/cluster.js';
import { sha } from '../helpers/bytes.js';

t.test('acknowledged writes survive a SIGTERM of the cluster', async (t) => {
  const dir = tempDir(t);
  const first = await spawnCluster(t, { dir, nodes: 3 });
  const c = await first.client();
  const acked = new Map<string, string>();
  const failed: string[] = [];
  let stop = false;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const name = `/w${w}-${i}`;
      const data = randomBytes(256 * 1024 + i);
      try {
        const h = await c.create(name, 0o644);
        await h.write(0, data);
        await h.close();
        acked.set(name, sha(data));
      } catch (err) {
        t.ok(err instanceof DfsError, `a failed write fails with an errno (${(err as DfsError).code})`);
        failed.push(name);
        return;
      }
    }
  };
  const writers = [0, 1, 2].map(writer);
  while (acked.size < 20) await new Promise((r) => setTimeout(r, 20));
  const code = await first.stop('SIGTERM');
  stop = true;
  await Promise.all(writers);
  t.equal(code, 0, 'dfs up shut down cleanly on SIGTERM');
  t.ok(acked.size >= 20, `${acked.size} writes acknowledged, ${failed.length} failed`);

  const second = await spawnCluster(t, { dir, nodes: 3 });
  const reader = new DfsClient(second.url);
  t.teardown(() => reader.close());
  await reader.login('admin', ADMIN_PASSWORD);
  let intact = 0;
  for (const [name, digest] of acked) {
    const h = await reader.openFile(name, { read: true, write: false });
    const got = await h.read(0, h.size);
    await h.close();
    if (sha(got) === digest) intact++;
    else t.fail(`${name} came back different`);
  }
  t.equal(intact, acked.size, 'every acknowledged file is intact after the restart');
});
