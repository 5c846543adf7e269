// The mount section of `npm run bench`: every workload of bench/workloads.ts on every target
// of bench/targets.ts (dfs and MooseFS with one copy and two, the do-nothing mount, the local
// disk), round after round, each target started fresh for its turn and stopped after it, so
// only one of them runs at a time. Each round runs the targets in a rotated order, so none is
// always first or always last as the machine's load moves. Prints bench/report.ts's tables.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeRandomFile } from './cli-bench.js';
import { undoLater } from './cleanup.js';
import { formatReport, type Rounds } from './report.js';
import { TARGETS } from './targets.js';
import { runWorkloads, type Figures, type Sizes } from './workloads.js';

/** The sizes the figures are for: a run of ~10 minutes a round, for a quiet machine. */
export const FULL_SIZES: Sizes = { fileMiB: 1024, randomSeconds: 10, files: 5000, cpuMiB: 1024 };
/** Small enough that every step can be checked in a couple of minutes; not figures to quote. */
export const QUICK_SIZES: Sizes = { fileMiB: 64, randomSeconds: 2, files: 500, cpuMiB: 64 };

const MiB = 2 ** 20;

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export async function mountBench(rounds: number, sizes: Sizes, log: (line: string) => void): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-mount-bench-'));
  // registered first, so undone last: after every mount and daemon that uses it
  const removed = undoLater(`the directory ${work}`, async () => fs.rmSync(work, { recursive: true, force: true }));
  try {
    const randomSource = path.join(work, 'random.bin');
    writeRandomFile(randomSource, sizes.cpuMiB * MiB);
    const results: Rounds = new Map(TARGETS.map((t) => [t.name, [] as Figures[]]));
    for (let r = 0; r < rounds; r++) {
      const order = [...TARGETS.slice(r % TARGETS.length), ...TARGETS.slice(0, r % TARGETS.length)];
      for (const spec of order) {
        const dir = path.join(work, `round-${r + 1}`, slug(spec.name));
        fs.mkdirSync(dir, { recursive: true });
        const say = (l: string): void => log(`mount bench: round ${r + 1}/${rounds}, ${spec.name}: ${l}`);
        const t0 = Date.now();
        say('starting');
        const target = await spec.start(dir);
        try {
          results.get(spec.name)!.push(await runWorkloads(target, sizes, randomSource, say));
          say(`done in ${Math.round((Date.now() - t0) / 1000)} s`);
        } finally {
          await target.stop();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    return formatReport(results, TARGETS, sizes);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    removed();
  }
}
