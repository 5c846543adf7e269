// put/get round trips through the client library against a real cluster process.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { sha } from '../helpers/bytes.js';

const MiB = 1024 * 1024;
const BLOCK = 4 * MiB;
t.test('round trips of edge sizes keep every byte', async (t) => {
  const cluster = await spawnCluster(t);
  const c = await cluster.client();
  for (const size of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 50 * MiB]) {
    const data = randomBytes(size);
    const h = await c.create(`/f-${size}`, 0o644);
    // write in uneven pieces so block boundaries fall inside writes
    for (let off = 0; off < size; off += 1_000_003) await h.write(off, data.subarray(off, off + 1_000_003));
    await h.close();
    const r = await c.openFile(`/f-${size}`, { read: true, write: false });
    t.equal(r.size, size, `size ${size}`);
    const chunks: Buffer[] = [];
    for (let pos = 0; pos < size; pos += 3 * MiB) chunks.push(await r.read(pos, 3 * MiB));
    await r.close();
    t.equal(sha(Buffer.concat(chunks)), sha(data), `sha256 of ${size} bytes`);
  }
});

t.test('an open handle shows the mode and times just set by path (fstat after fchmod)', async (t) => {
  const cluster = await spawnCluster(t);
  const c = await cluster.client();
  const h = await c.create('/f', 0o644);
  await h.write(0, Buffer.from('unsaved'));
  await c.utimens('/f', 1_000_000, 2_000_000); // commits what is unsaved first
  await c.chmod('/f', 0o600);
  const a = h.getattr();
  t.equal(a.mode & 0o7777, 0o600, 'the new mode');
  t.equal(a.mtime, 2_000_000, 'the new modification time');
  t.equal(a.size, 7, 'and still the size of what was written here');
  await h.close();
});
