// A damaged copy is never returned: a block file flipped on disk fails the node's own
// checksum, and bytes changed behind a valid checksum fail the client's GCM check. Either
// way the read returns the right bytes from the other copy, the bad copy is dropped, and
// the master makes a good second copy again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BLOCK_FILE_HEADER_BYTES } from '../../src/protocol/block-format.js';
import { decodeBlockFile, encodeBlockHeader } from '../../src/storage/disk-store.js';
import { blocksOnDisk, eventually, splitCluster } from '../helpers/split-cluster.js';
import { sha, readAll } from '../helpers/bytes.js';

const MiB = 1024 * 1024;
t.test('corrupt copies are read around, dropped and replaced', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2 });
  const c = await cl.client();
  const data = randomBytes(12 * MiB + 5);
  const h = await c.create('/victim', 0o644);
  await h.write(0, data);
  await h.close();

  // which node each block is read from first, as the master lists them
  const info = (await c.callRaw('fs.open', { path: '/victim', read: true })).meta.blocks as { id: string; nodes: { id: string }[] }[];
  const dirOf = new Map(cl.nodeDirs.map((d) => [(JSON.parse(fs.readFileSync(path.join(d, 'storage.json'), 'utf8')) as { nodeId: string }).nodeId, d]));
  const fileOf = (b: { id: string; nodes: { id: string }[] }): string => path.join(dirOf.get(b.nodes[0].id)!, 'blocks', b.id.slice(0, 2), b.id);

  // block 0: a flipped bit on disk (the node's checksum catches it)
  const f0 = fileOf(info[0]);
  const bytes0 = fs.readFileSync(f0);
  bytes0[BLOCK_FILE_HEADER_BYTES + 1000] ^= 0x04;
  fs.writeFileSync(f0, bytes0);
  // block 1: different bytes under a valid checksum (only the client's GCM tag can tell)
  const f1 = fileOf(info[1]);
  const payload1 = Buffer.from(fs.readFileSync(f1).subarray(BLOCK_FILE_HEADER_BYTES));
  payload1[2000] ^= 0x40;
  fs.writeFileSync(f1, Buffer.concat([encodeBlockHeader(payload1), payload1]));

  const reader = await cl.client();
  t.equal(sha(await readAll(reader, '/victim')), sha(data), 'the read returns the right bytes');

  const bad = [info[0], info[1]];
  await eventually(
    'both damaged blocks back to two good copies',
    () => {
      for (const b of bad) {
        const holders = cl.nodeDirs.filter((d) => blocksOnDisk(d).has(b.id));
        if (holders.length !== 2) return undefined;
        for (const d of holders) {
          const file = fs.readFileSync(path.join(d, 'blocks', b.id.slice(0, 2), b.id));
          const got = decodeBlockFile(file);
          if ('bad' in got) return undefined;
          // the altered copy passes the node's checksum: it counts only once it has been replaced
          if (sha(file.subarray(BLOCK_FILE_HEADER_BYTES)) === sha(payload1)) return undefined;
        }
      }
      return true;
    },
    60_000,
  );
  t.pass('every copy of the two blocks passes its checksum, and there are two of each');
  const altered = fs.existsSync(f1) && sha(fs.readFileSync(f1).subarray(BLOCK_FILE_HEADER_BYTES)) === sha(payload1);
  t.notOk(altered, 'the altered copy is gone');
  const s = await eventually('counts to clear', async () => {
    const st = await cl.status();
    return st.corrupt === 0 && st.underReplicated === 0 ? st : undefined;
  });
  t.same([s.missing, s.underReplicated, s.corrupt], [0, 0, 0]);
  const again = await cl.client();
  t.equal(sha(await readAll(again, '/victim')), sha(data), 'and a fresh read is still right');
  t.equal((await cl.dfs(['fsck'])).code, 0, 'fsck is clean');
});
