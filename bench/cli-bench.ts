// put/get of a large random file with the CLI, beside a plain local `cp` of the same file.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DFS_BIN, runDfs } from '../test/helpers/cluster.js';
import { start, waitFor, type Started } from './processes.js';

const CLUSTER_START_TIMEOUT_MS = 60_000;

export interface BenchRow {
  name: string;
  dfs: number;
  local?: number;
  /** The same work on a do-nothing FUSE file system: the most any mount can do here. */
  floor?: number;
  unit: string;
  /** Over several rounds: the median is shown, with each column's lowest and highest. */
  ranges?: { dfs: Range; local?: Range; floor?: Range };
}

type Range = [number, number];

const MiB = 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Rows of several rounds of the same bench as one: medians, with ranges. On these VMs one
 * run differs from the next by up to 1.5x, so a single figure misleads.
 */
export function combineRounds(rounds: BenchRow[][]): BenchRow[] {
  if (rounds.length === 1) return rounds[0];
  return rounds[0].map((first, i) => {
    const col = (pick: (r: BenchRow) => number | undefined): { mid?: number; range?: Range } => {
      const xs = rounds.map((r) => pick(r[i])).filter((x): x is number => x !== undefined);
      return xs.length ? { mid: median(xs), range: [Math.min(...xs), Math.max(...xs)] } : {};
    };
    const dfs = col((r) => r.dfs);
    const local = col((r) => r.local);
    const floor = col((r) => r.floor);
    return {
      name: first.name,
      unit: first.unit,
      dfs: dfs.mid!,
      local: local.mid,
      floor: floor.mid,
      ranges: { dfs: dfs.range!, local: local.range, floor: floor.range },
    };
  });
}

function figure(x: number, range?: Range): string {
  const r = range ? ` (${range[0].toFixed(0)}-${range[1].toFixed(0)})` : '';
  return `${x.toFixed(1).padStart(9)}${r}`;
}

/** Rows as aligned lines: dfs, the FUSE floor where measured, local, and dfs's ratio to local. */
export function formatRows(rows: BenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const floor = r.floor === undefined ? '' : `   fuse floor ${figure(r.floor, r.ranges?.floor)}`;
      const local = r.local === undefined ? '' : `   local ${figure(r.local, r.ranges?.local)} ${r.unit}   ratio ${(r.dfs / r.local).toFixed(2)}`;
      return `  ${r.name.padEnd(w)}  dfs ${figure(r.dfs, r.ranges?.dfs)} ${r.unit}${floor}${local}\n`;
    })
    .join('');
}

export function writeRandomFile(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w');
  const chunk = randomBytes(16 * MiB);
  for (let off = 0; off < bytes; off += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - off));
  fs.closeSync(fd);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function must(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runDfs(args, env);
  if (r.code !== 0) throw new Error(`dfs ${args.join(' ')}: ${r.stderr}`);
}

/** Starts `dfs up` in its own process and resolves with its master URL, its process and a stop function. */
export async function startCluster(dir: string, extra: string[] = []): Promise<{ url: string; env: NodeJS.ProcessEnv; proc: Started; stop: () => Promise<void> }> {
  const env = { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'config'), DFS_ADMIN_PASSWORD: 'bench-password' };
  const proc = start('dfs up', DFS_BIN, ['up', '--data-dir', path.join(dir, 'data'), '--port', '0', ...extra], { ...env, DFS_NODE: process.execPath });
  try {
    await waitFor('dfs up to start', () => /^storage nodes: /m.test(proc.output()), CLUSTER_START_TIMEOUT_MS, [proc]);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const url = /^master: (\S+)$/m.exec(proc.output())![1];
  return { url, env, proc, stop: () => proc.stop() };
}

export async function cliBench(sizeMiB = 256): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-bench-'));
  const cluster = await startCluster(dir, ['--memory', '--replicas', '1']);
  try {
    const src = path.join(dir, 'src.bin');
    writeRandomFile(src, sizeMiB * MiB);
    const cpSecs = await timed(async () =>
      fs.promises.copyFile(src, path.join(dir, 'cp.bin'), fs.constants.COPYFILE_FICLONE_FORCE).catch(() => fs.promises.copyFile(src, path.join(dir, 'cp.bin'))),
    );
    const putSecs = await timed(() => must(['put', src, '/bench.bin'], cluster.env));
    const getSecs = await timed(() => must(['get', '/bench.bin', path.join(dir, 'back.bin')], cluster.env));
    const cmp = await new Promise<number>((resolve) => spawn('cmp', [src, path.join(dir, 'back.bin')]).on('exit', (c) => resolve(c ?? 1)));
    if (cmp !== 0) throw new Error('the file came back different');
    const rate = (s: number): number => sizeMiB / s;
    return [
      { name: `CLI put ${sizeMiB} MiB`, dfs: rate(putSecs), local: rate(cpSecs), unit: 'MiB/s' },
      { name: `CLI get ${sizeMiB} MiB`, dfs: rate(getSecs), local: rate(cpSecs), unit: 'MiB/s' },
    ];
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
