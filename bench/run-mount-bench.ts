// Runs the mount benchmark alone: `node dist/bench/run-mount-bench.js [seqMiB] [files]`.
import { mountBench } from './mount-bench.js';

const [seq, files] = process.argv.slice(2).map(Number);
const rows = await mountBench({ seqMiB: seq || undefined, files: files || undefined });
const w = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) {
  const local = r.local === undefined ? '' : `   local ${r.local.toFixed(1).padStart(9)} ${r.unit}   ratio ${(r.dfs / r.local).toFixed(2)}`;
  process.stdout.write(`  ${r.name.padEnd(w)}  dfs ${r.dfs.toFixed(1).padStart(9)} ${r.unit}${local}\n`);
}
