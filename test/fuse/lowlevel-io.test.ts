// The low-level binding's data path and event loop: 1 MiB requests, writes answered later
// keeping their own buffers, and a spin that catches back-to-back requests but stops when
// they do not come (an idle mount costs no CPU).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountMemFs } from '../helpers/lowlevel-mount.js';
import type { NativeStats } from '../../src/fuse/lowlevel-native.js';

const skip = fuseUnavailable();
const MiB = 1024 * 1024;

interface Stats {
  calls: Record<string, number>;
  writeSizes: Record<string, number>;
  readSizes: Record<string, number>;
  detached: number;
  session: NativeStats;
}

t.test('1 MiB writes reach the file system as 1 MiB, and so do 1 MiB O_DIRECT reads', { skip }, async (t) => {
  const m = await mountMemFs(t);
  const conn = (await m.event('mounted')).conn as { maxWrite: number; want: number };
  t.equal(conn.maxWrite, MiB, 'max_write negotiated at 1 MiB');
  t.equal((await sh('dd if=/dev/zero of=big bs=1M count=8 status=none', { cwd: m.dir })).code, 0);
  t.equal((await sh('dd if=big of=/dev/null bs=1M iflag=direct status=none', { cwd: m.dir })).code, 0);
  const s = await m.ask<Stats>({ cmd: 'stats' });
  t.same(s.writeSizes, { [MiB]: 8 }, 'eight writes, each of 1 MiB');
  t.equal(s.readSizes[MiB], 8, `eight O_DIRECT reads of 1 MiB (${JSON.stringify(s.readSizes)})`);
});

t.test('writes answered later keep their own data while other requests come in; their buffers go empty at the answer', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { writeDelayMs: 5 } });
  const local = tempDir(t, 'dfs-ll-src-');
  const names = ['a', 'b', 'c', 'd'];
  for (const n of names) fs.writeFileSync(path.join(local, n), randomBytes(6 * MiB + 12345));
  // four writers at once: several writes in flight, each answered at a random later time
  const r = await sh(names.map((n) => `dd if=${path.join(local, n)} of=${n} bs=256k status=none &`).join(' ') + ' wait', { cwd: m.dir });
  t.equal(r.code, 0, r.stderr);
  const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  for (const n of names) t.equal(sha(path.join(m.dir, n)), sha(path.join(local, n)), `${n} arrived intact`);
  const s = await m.ask<Stats>({ cmd: 'stats' });
  t.ok(s.calls.write >= 4 * 24, `${s.calls.write} writes`);
  t.equal(s.detached, s.calls.write, 'every write buffer was detached once answered');
});

t.test('the spin catches back-to-back requests, stops when they come slower than it waits, and an idle mount uses no CPU', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 10, attrTimeout: 0 } });
  fs.writeFileSync(path.join(m.dir, 'f'), 'x');
  const stat = (n: number, gapMs: number): Promise<unknown> =>
    sh(
      `node -e "const fs = require('fs'); const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);` +
        ` for (let i = 0; i < ${n}; i++) { fs.statSync('f'); if (${gapMs}) sleep(${gapMs}); }"`,
      { cwd: m.dir },
    );
  const before = (await m.ask<Stats>({ cmd: 'stats' })).session;
  await stat(3000, 0);
  const burst = (await m.ask<Stats>({ cmd: 'stats' })).session;
  t.ok(burst.spinHits > before.spinHits, `back to back: the spin caught requests (${burst.spinHits - before.spinHits} of ${burst.requests - before.requests})`);

  // one request every 3 ms: each spin would wait in vain; after a few it stops
  await stat(300, 3);
  const slow = (await m.ask<Stats>({ cmd: 'stats' })).session;
  t.ok(slow.spinMisses - burst.spinMisses < 30, `${slow.spinMisses - burst.spinMisses} fruitless spins for 300 requests 3 ms apart`);
  t.notOk(slow.spinning, 'spinning is off');

  // idle: no request, no spin, no CPU
  await new Promise((r) => setTimeout(r, 200));
  const cpu0 = await m.ask<{ user: number; system: number }>({ cmd: 'cpu' });
  await new Promise((r) => setTimeout(r, 1000));
  const cpu1 = await m.ask<{ user: number; system: number }>({ cmd: 'cpu' });
  const usedMs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000;
  t.ok(usedMs < 50, `an idle second cost ${usedMs.toFixed(1)} ms of CPU`);
});

t.test('lookups in one directory run in parallel (FUSE_CAP_PARALLEL_DIROPS): a slow one holds up no other', { skip }, async (t) => {
  const m = await mountMemFs(t);
  await m.ask({ cmd: 'hold', key: 'lookup:slow' });
  const slow = sh('stat slow', { cwd: m.dir });
  await m.event('held', (e) => e.key === 'lookup:slow');
  // a name the kernel has never seen: a lookup under the directory's lock (a cached one
  // would be revalidated without it); shared with PARALLEL_DIROPS, exclusive without
  const t0 = Date.now();
  const other = await sh('stat other', { cwd: m.dir });
  t.match(other.stderr, /No such file/, 'another name in the same directory is looked up meanwhile');
  t.ok(Date.now() - t0 < 5000);
  await m.ask({ cmd: 'release', key: 'lookup:slow' });
  t.not((await slow).code, 0, 'and the slow one then answers (ENOENT)');
});
