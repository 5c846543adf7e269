// A client's limits come from its options (src/client/limits.ts): a client given other
// read-ahead or buffered-byte limits keeps to them, while one beside it, given none, keeps
// to DEFAULTS.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { DfsClient } from '../../src/client/client.js';
import type { ClientLimits } from '../../src/client/limits.js';
import { DEFAULTS } from '../../src/defaults.js';
import { ADMIN_PASSWORD, localCluster, type LocalCluster, type Teardown } from '../helpers/cluster.js';

const BLOCK = 64 * 1024;

async function clientWith(t: Teardown, cl: LocalCluster, limits?: Partial<ClientLimits>): Promise<DfsClient> {
  const c = new DfsClient(cl.url, { limits });
  t.teardown(() => c.close());
  await c.login('admin', ADMIN_PASSWORD);
  return c;
}

/** Counts the block downloads (`get`) and uploads (`put`) a client starts. */
function countTransfers(c: DfsClient): { gets: number; puts: number } {
  const n = { gets: 0, puts: 0 };
  const get = c.io.get.bind(c.io);
  const put = c.io.put.bind(c.io);
  type Get = typeof get;
  c.io.get = <T>(b: Parameters<Get>[0], open: (sealed: Buffer) => T, onBad: Parameters<Get>[2], range?: Parameters<Get>[3]): Promise<T> => {
    n.gets++;
    return get(b, open, onBad, range);
  };
  c.io.put = (...args: Parameters<typeof put>) => {
    n.puts++;
    return put(...args);
  };
  return n;
}

t.test('a sequential read loads as many blocks ahead as the client was told', async (t) => {
  const cl = await localCluster(t, { nodes: 1, replicas: 1, blockSize: BLOCK });
  const data = randomBytes(10 * BLOCK);
  const w = await cl.admin.create('/f', 0o644);
  await w.write(0, data);
  await w.close();

  for (const [limits, ahead] of [
    [undefined, DEFAULTS.clientReadahead],
    [{ readaheadBlocks: 0 }, 0],
    [{ readaheadBlocks: 7 }, 7],
  ] as const) {
    const c = await clientWith(t, cl, limits);
    const n = countTransfers(c);
    const h = await c.openFile('/f', { read: true, write: false });
    t.ok((await h.read(0, BLOCK)).equals(data.subarray(0, BLOCK)), 'the first block reads back');
    // read-ahead starts its loads before the read returns
    t.equal(n.gets, 1 + ahead, `${JSON.stringify(limits ?? 'no limits')}: the block read and ${ahead} ahead`);
    await h.close();
  }
});

t.test('an open file holds as many unsent written bytes as the client was told', async (t) => {
  const cl = await localCluster(t, { nodes: 1, replicas: 1, blockSize: BLOCK });
  for (const [limits, sentEarly] of [
    [undefined, 0],
    // past half the limit, what is buffered goes out (one block at a time here): all three
    [{ dirtyBytes: BLOCK }, 3],
  ] as const) {
    const c = await clientWith(t, cl, limits);
    const n = countTransfers(c);
    const path = `/f${sentEarly}`;
    const h = await c.create(path, 0o644);
    // one byte into each of three blocks: none is full, so none is sent for being full
    for (let i = 0; i < 3; i++) await h.write(i * BLOCK, Buffer.from([i + 1]));
    t.equal(n.puts, sentEarly, `${JSON.stringify(limits ?? 'no limits')}: ${sentEarly} block(s) sent before close`);
    await h.close();
    const r = await cl.admin.openFile(path, { read: true, write: false });
    const back = await r.read(0, 3 * BLOCK);
    await r.close();
    t.same([back.length - 2 * BLOCK, back[0], back[BLOCK], back[2 * BLOCK]], [1, 1, 2, 3], 'and every byte written reads back');
  }
});
