// Partial overwrites and truncation through the client library, checked byte for byte
// against the same operations on a Buffer model.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';

const MiB = 1024 * 1024;

t.test('overwrites, sparse writes and truncates match a local model', async (t) => {
  const cluster = await spawnCluster(t);
  const c = await cluster.client();
  let model = randomBytes(9 * MiB + 123);
  let h = await c.create('/model', 0o644);
  await h.write(0, model);
  await h.close();

  const apply = (pos: number, data: Buffer): void => {
    if (pos + data.length > model.length) model = Buffer.concat([model, Buffer.alloc(pos + data.length - model.length)]);
    data.copy(model, pos);
  };
  const truncate = (size: number): void => {
    model = size <= model.length ? Buffer.from(model.subarray(0, size)) : Buffer.concat([model, Buffer.alloc(size - model.length)]);
  };
  const check = async (what: string): Promise<void> => {
    const r = await c.openFile('/model', { read: true, write: false });
    t.equal(r.size, model.length, `${what}: size`);
    const got = await r.read(0, model.length + 10);
    await r.close();
    t.ok(got.equals(model), `${what}: bytes`);
  };

  // in the middle of a block, across a block boundary, and past the end (a hole)
  const steps: [string, () => Promise<void>][] = [
    [
      'overwrite inside block 1',
      async () => {
        const d = randomBytes(1000);
        apply(5 * MiB + 17, d);
        await h.write(5 * MiB + 17, d);
      },
    ],
    [
      'overwrite across blocks 0/1',
      async () => {
        const d = randomBytes(MiB);
        apply(4 * MiB - 500, d);
        await h.write(4 * MiB - 500, d);
      },
    ],
    [
      'sparse write past the end',
      async () => {
        const d = randomBytes(10);
        apply(20 * MiB + 3, d);
        await h.write(20 * MiB + 3, d);
      },
    ],
    [
      'truncate smaller mid-block',
      async () => {
        truncate(6 * MiB + 5);
        await h.truncate(6 * MiB + 5);
      },
    ],
    [
      'truncate larger exposes zeros, not old bytes',
      async () => {
        truncate(7 * MiB);
        await h.truncate(7 * MiB);
      },
    ],
    [
      'truncate to zero then write',
      async () => {
        truncate(0);
        await h.truncate(0);
        const d = randomBytes(3);
        apply(0, d);
        await h.write(0, d);
      },
    ],
  ];
  for (const [what, step] of steps) {
    h = await c.openFile('/model', { read: true, write: true });
    await step();
    // a second handle on the same file sees the write before close
    const peek = await c.openFile('/model', { read: true, write: false });
    t.ok((await peek.read(0, model.length)).equals(model), `${what}: visible to another handle before close`);
    await peek.close();
    await h.close();
    await check(what);
  }
  t.equal((await c.getattr('/model')).size, model.length, 'getattr size after all steps');

  // a path truncate with no handle open
  await c.truncate('/model', 1);
  truncate(1);
  await check('truncate by path');
});
