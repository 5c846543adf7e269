// Runs the mount benchmark alone: `node dist/bench/run-mount-bench.js [seqMiB] [files]`.
import { formatRows } from './cli-bench.js';
import { mountBench } from './mount-bench.js';

const [seq, files] = process.argv.slice(2).map(Number);
const rows = await mountBench({ seqMiB: seq || undefined, files: files || undefined });
process.stdout.write(formatRows(rows));
