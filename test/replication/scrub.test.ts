// The background scrub: a copy that rots on a disk nobody reads is found by its node,
// dropped and reported, and the master makes a good copy again, with no client reading.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BLOCK_FILE_HEADER_BYTES } from '../../src/protocol/block-format.js';
import { decodeBlockFile } from '../../src/storage/disk-store.js';
import { sha, readAll } from '../helpers/bytes.js';
import { blocksOnDisk, eventually, splitCluster } from '../helpers/split-cluster.js';

t.test('a block that rots unread is found by the scrub and copied again', async (t) => {
  // a fast scrub from the start, so the test need not wait a minute
  const cl = await splitCluster(t, { nodes: 3, replicas: 2, nodeArgs: ['--scrub-rate', '512', '--scrub-after', '0'] });
  const c = await cl.client();
  const data = randomBytes(4 * 1024 * 1024 + 7);
  const h = await c.create('/cold', 0o644);
  await h.write(0, data);
  await h.close();

  const info = (await c.callRaw('fs.open', { path: '/cold', read: true })).meta.blocks as { id: string }[];
  const id = info[1].id; // the short second block
  const holders = cl.nodeDirs.filter((d) => blocksOnDisk(d).has(id));
  t.equal(holders.length, 2, 'two copies on disk');
  const file = path.join(holders[0], 'blocks', id.slice(0, 2), id);
  const bytes = fs.readFileSync(file);
  bytes[BLOCK_FILE_HEADER_BYTES + 3] ^= 0x10;
  fs.writeFileSync(file, bytes);

  await eventually(
    'the rotten copy dropped and a good second copy made',
    () => {
      const now = cl.nodeDirs.filter((d) => blocksOnDisk(d).has(id));
      if (now.length !== 2) return undefined;
      for (const d of now) if ('bad' in decodeBlockFile(fs.readFileSync(path.join(d, 'blocks', id.slice(0, 2), id)))) return undefined;
      return true;
    },
    60_000,
  );
  t.pass('two good copies again, and no client read the block');
  const st = await eventually('counts to clear', async () => {
    const s = await cl.status();
    return s.corrupt === 0 && s.underReplicated === 0 ? s : undefined;
  });
  t.same([st.missing, st.underReplicated, st.corrupt], [0, 0, 0]);
  t.equal(sha(await readAll(c, '/cold')), sha(data), 'the file reads back whole');
});
