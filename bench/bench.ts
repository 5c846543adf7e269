// `npm run bench`: figures for the README and the issue notes. Tests check behaviour;
// this prints speed. Each section starts its own cluster and cleans up after itself.
import { cliBench, formatRows, type BenchRow } from './cli-bench.js';
import { mountBench } from './mount-bench.js';
import { persistBench, type PersistRow } from './persist-bench.js';

function print(title: string, rows: BenchRow[]): void {
  process.stdout.write(`\n${title}\n${formatRows(rows)}`);
}

function printValues(title: string, rows: PersistRow[]): void {
  process.stdout.write(`\n${title}\n`);
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) process.stdout.write(`  ${r.name.padEnd(w)}  ${r.value.toFixed(1).padStart(9)} ${r.unit}\n`);
}

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'cli') print('CLI transfers (dfs up, encrypted, 1 replica, in-memory nodes)', await cliBench());
  if (!only || only === 'mount') print('Through the mount (dfs up --memory, encrypted, 1 replica; fuse floor: the same work on a do-nothing fuse-native file system)', await mountBench({ log: (l) => process.stderr.write(`${l}\n`) }));
  if (!only || only === 'persist') printValues('Persistence and replication (journal on, disk nodes)', await persistBench());
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
