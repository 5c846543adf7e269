// The FUSE bindings side by side, each serving a do-nothing file system (so what is
// measured is the binding, libfuse and the kernel on this machine): fuse-native on libfuse 2
// (bench/null-mount.ts, the mount bench's floor) and dfs's low-level binding on libfuse 3
// (bench/null-lowlevel-mount.ts) without and with its spin. The bench's own workloads:
// dd bs=1M writes, O_DIRECT 4 KiB reads at random offsets (every one reaches the file
// system), and creating, stat'ing and deleting small files. Each round runs every target
// on a fresh daemon, in turn, so that the machine's drift hits them alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './processes.js';
import { mountDaemon, stopDaemon } from './targets.js';
import { worker } from './workloads.js';

export interface LowLevelBenchOptions {
  /** Size of the dd write, MiB (default 1024). */
  seqMiB?: number;
  /** Small files to create, stat and delete (default 5,000). */
  files?: number;
  /** How long the O_DIRECT random reads run, seconds (default 10). */
  randomSeconds?: number;
  rounds?: number;
  log?: (line: string) => void;
}

interface Target {
  name: string;
  script: string;
  args: string[];
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TARGETS: Target[] = [
  { name: 'fuse-native (libfuse 2)', script: 'null-mount.js', args: [] },
  { name: 'low-level, no spin', script: 'null-lowlevel-mount.js', args: ['0'] },
  { name: 'low-level, spin 50 µs', script: 'null-lowlevel-mount.js', args: ['50'] },
];

type Figures = Record<string, number>;

async function measure(t: Target, dir: string, o: Required<Omit<LowLevelBenchOptions, 'rounds' | 'log'>>): Promise<Figures> {
  const mount = await mountDaemon(t.name, dir, process.execPath, [path.join(HERE, t.script), dir, ...t.args], process.env);
  try {
    const file = path.join(dir, 'seq.bin');
    const dd = await run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${o.seqMiB}`, 'conv=fsync', 'status=none']);
    const direct = await worker(['direct', file, String(o.randomSeconds)]);
    const files = await worker(['files', path.join(dir, 'files'), String(o.files), '1024']);
    return { 'write MiB/s (dd bs=1M)': o.seqMiB / dd.secs, 'O_DIRECT 4 KiB reads/s': direct.reads, 'creates/s': files.create, 'stats/s': files.stat, 'deletes/s': files.delete };
  } finally {
    await stopDaemon(mount, dir);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Each workload's median (lowest-highest) per target, as a table. */
export async function lowLevelBench(opts: LowLevelBenchOptions = {}): Promise<string> {
  const o = { seqMiB: opts.seqMiB ?? 1024, files: opts.files ?? 5000, randomSeconds: opts.randomSeconds ?? 10 };
  const rounds = opts.rounds ?? 1;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-lowlevel-bench-'));
  const results = new Map<string, Figures[]>(TARGETS.map((t) => [t.name, []]));
  try {
    for (let r = 1; r <= rounds; r++) {
      for (const t of TARGETS) {
        log(`lowlevel bench: round ${r} of ${rounds}, ${t.name}`);
        results.get(t.name)!.push(await measure(t, path.join(work, `mnt-${r}-${TARGETS.indexOf(t)}`), o));
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const rows = Object.keys(results.get(TARGETS[0].name)![0]);
  const cell = (xs: number[]): string => `${median(xs).toFixed(0)}${xs.length > 1 ? ` (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})` : ''}`;
  const table = [['', ...TARGETS.map((t) => t.name)], ...rows.map((row) => [row, ...TARGETS.map((t) => cell(results.get(t.name)!.map((f) => f[row])))])];
  const widths = table[0].map((_, i) => Math.max(...table.map((line) => line[i].length)));
  return table.map((line) => line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ')).join('\n') + '\n';
}
