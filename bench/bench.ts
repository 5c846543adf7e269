// `npm run bench [-- cli|mount|persist|lowlevel] [--rounds N]`: figures for the README and
// the issue notes. Tests check behaviour; this prints speed. Each section starts its own cluster and
// cleans up after itself. With --rounds, the cli, mount and lowlevel sections run N times (each on a
// fresh cluster) and print each figure's median with its range.
import { cliBench, combineRounds, formatRows, type BenchRow } from './cli-bench.js';
import { lowLevelBench } from './lowlevel-bench.js';
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

async function rounds(n: number, run: () => Promise<BenchRow[]>): Promise<BenchRow[]> {
  const all: BenchRow[][] = [];
  for (let i = 0; i < n; i++) all.push(await run());
  return combineRounds(all);
}

const SECTIONS = ['cli', 'mount', 'persist', 'lowlevel'];

/** The section to run (all when undefined) and the rounds, or a usage message. */
function parseArgs(argv: string[]): { only?: string; n: number } | string {
  const args = [...argv];
  const at = args.indexOf('--rounds');
  const n = at >= 0 ? Number(args.splice(at, 2)[1]) : 1;
  if (!Number.isInteger(n) || n < 1) return '--rounds takes a whole number, 1 or more';
  const only = args[0];
  if (only !== undefined && !SECTIONS.includes(only)) return `no section "${only}" (${SECTIONS.join(', ')})`;
  return { only, n };
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`bench: ${parsed}\n`);
    process.exit(2);
  }
  const { only, n } = parsed;
  const of = n > 1 ? `; median of ${n} rounds, lowest-highest in brackets` : '';
  if (!only || only === 'cli') print(`CLI transfers (dfs up, encrypted, 1 replica, in-memory nodes${of})`, await rounds(n, () => cliBench()));
  if (!only || only === 'mount') {
    const log = (l: string): boolean => process.stderr.write(`${l}\n`);
    print(`Through the mount (dfs up --memory, encrypted, 1 replica; fuse floor: the same work on a do-nothing fuse-native file system${of})`, await rounds(n, () => mountBench({ log })));
  }
  if (!only || only === 'persist') printValues('Persistence and replication (journal on, disk nodes)', await persistBench());
  if (!only || only === 'lowlevel') {
    process.stdout.write(`\nThe FUSE bindings, each serving a do-nothing file system${of}\n`);
    process.stdout.write(await lowLevelBench({ rounds: n }));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
