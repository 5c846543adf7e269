// `npm run bench [-- cli|mount|persist|lowlevel] [--rounds N] [--quick]`: figures for the README and the
// issue notes. Tests check behaviour; this prints speed. Each section starts what it needs and
// stops it after, also when a step fails or on Ctrl-C (bench/cleanup.ts). The cli and mount
// sections run N rounds (default 3; each on fresh clusters) and print each figure's median
// with its range. The mount section runs dfs beside MooseFS (installed by
// scripts/bench-deps.sh when missing), the do-nothing mount and the local disk. --quick runs
// one round of small sizes everywhere, to check the bench itself in a couple of minutes.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../test/helpers/cluster.js';
import { undoAll, undoOnSignals } from './cleanup.js';
import { cliBench, combineRounds, formatRows, type BenchRow } from './cli-bench.js';
import { lowLevelBench } from './lowlevel-bench.js';
import { FULL_SIZES, mountBench, QUICK_SIZES } from './mount-bench.js';
import { persistBench, type PersistRow } from './persist-bench.js';

/** Rounds of the cli and mount sections unless told: the issues quote medians of three. */
const DEFAULT_ROUNDS = 3;

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

/** The section to run (all when undefined), the rounds and --quick, or a usage message. */
function parseArgs(argv: string[]): { only?: string; n: number; quick: boolean } | string {
  const args = [...argv];
  const q = args.indexOf('--quick');
  const quick = q >= 0;
  if (quick) args.splice(q, 1);
  const at = args.indexOf('--rounds');
  const n = at >= 0 ? Number(args.splice(at, 2)[1]) : quick ? 1 : DEFAULT_ROUNDS;
  if (!Number.isInteger(n) || n < 1) return '--rounds takes a whole number, 1 or more';
  if (args.length > 1) return `one section at most: ${args.join(' ')}`;
  const only = args[0];
  if (only !== undefined && !SECTIONS.includes(only)) return `no section "${only}" (${SECTIONS.join(', ')})`;
  return { only, n, quick };
}

/** fio and MooseFS, installed when missing; the test suite never needs them. */
function installBenchDeps(): void {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'bench-deps.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/bench-deps.sh failed: the mount section needs fio and MooseFS');
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`bench: ${parsed}\n`);
    process.exit(2);
  }
  const { only, n, quick } = parsed;
  const log = (l: string): boolean => process.stderr.write(`${l}\n`);
  const of = n > 1 ? `; median of ${n} rounds, lowest-highest in brackets` : '';
  if (!only || only === 'cli') {
    const mib = quick ? 32 : 256;
    print(`CLI transfers (dfs up, encrypted, 1 replica, in-memory nodes${of})`, await rounds(n, () => cliBench(mib)));
  }
  if (!only || only === 'mount') {
    installBenchDeps();
    process.stdout.write(`\n${await mountBench(n, quick ? QUICK_SIZES : FULL_SIZES, log)}`);
  }
  if (!only || only === 'persist') {
    const sizes = quick ? { files: 5000, writeMiB: 32, metaOps: 500 } : {};
    printValues('Persistence and replication (journal on, disk nodes)', await persistBench(sizes));
  }
  if (!only || only === 'lowlevel') {
    process.stdout.write(`\nDo-nothing file systems: fuse-native (libfuse 2) and the low-level binding (libfuse 3), with and without the spin${of}\n`);
    const sizes = quick ? { seqMiB: 64, files: 500, randomSeconds: 2 } : {};
    process.stdout.write(await lowLevelBench({ rounds: n, log, ...sizes }));
  }
}

undoOnSignals();
main()
  .catch(async (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => undoAll());
