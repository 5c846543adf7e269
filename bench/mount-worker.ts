// One benchmark workload, run as its own process against a directory (in a mount or local):
// the process that measures must never be the one serving the mount. Prints one JSON line.
//   node mount-worker.js files DIR COUNT SIZE   → create, stat and delete COUNT files of SIZE bytes
//                                                (after an unmeasured warm-up round)
//   node mount-worker.js random FILE SECONDS    → 4 KiB reads at random aligned offsets
//   node mount-worker.js direct FILE SECONDS    → the same with O_DIRECT: every read reaches
//                                                the file system, whatever the page cache holds
import fs from 'node:fs';
import path from 'node:path';

const [, , what, target, a, b] = process.argv;

function secondsSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function files(dir: string, count: number, size: number): Record<string, number> {
  const data = Buffer.alloc(size, 'x');
  // Unmeasured warm-up, on every target alike: a fresh mount daemon runs each code path
  // interpreted at first, and V8 optimises it only after some use. A long-running mount is
  // warm; measured cold, a dfs create ran at about half its warm rate (384 against 655-742
  // files/s in three rounds of 2,000 on one mount).
  const warm = Array.from({ length: Math.min(1000, Math.ceil(count / 5)) }, (_, i) => path.join(dir, `warm${i}`));
  for (const n of warm) fs.writeFileSync(n, data);
  for (const n of warm) fs.statSync(n);
  for (const n of warm) fs.unlinkSync(n);
  const names = Array.from({ length: count }, (_, i) => path.join(dir, `f${i}`));
  let t0 = process.hrtime.bigint();
  for (const n of names) fs.writeFileSync(n, data);
  const create = count / secondsSince(t0);
  t0 = process.hrtime.bigint();
  for (const n of names) fs.statSync(n);
  const stat = count / secondsSince(t0);
  t0 = process.hrtime.bigint();
  for (const n of names) fs.unlinkSync(n);
  const del = count / secondsSince(t0);
  return { create, stat, delete: del };
}

function random(file: string, seconds: number, direct = false): Record<string, number> {
  const fd = fs.openSync(file, direct ? fs.constants.O_RDONLY | fs.constants.O_DIRECT : 'r');
  const pages = Math.floor(fs.fstatSync(fd).size / 4096);
  const buf = Buffer.alloc(4096);
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < end) {
    const got = fs.readSync(fd, buf, 0, 4096, Math.floor(Math.random() * pages) * 4096);
    if (got !== 4096) throw new Error(`short read: ${got}`);
    n++;
  }
  fs.closeSync(fd);
  return { reads: n / secondsSince(t0) };
}

const workloads: Record<string, () => Record<string, number>> = {
  files: () => files(target, Number(a), Number(b)),
  random: () => random(target, Number(a)),
  direct: () => random(target, Number(a), true),
};
const result = workloads[what]?.();
if (!result) {
  process.stderr.write('usage: mount-worker files DIR COUNT SIZE | random FILE SECONDS | direct FILE SECONDS\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
