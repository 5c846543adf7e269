// The mount bench's figures, as the reader gets them: for each figure and target the median
// of the rounds with its range, and its ratio to MooseFS (the one keeping as many copies;
// one copy for targets that keep none), to the do-nothing mount and to the local disk. Then
// issue 15's targets for dfs against MooseFS, met or missed. A ratio is this target's
// median over the other's, so above 1 is faster for rates and costlier for CPU seconds.
import type { TargetSpec } from './targets.js';
import type { Figures, Sizes } from './workloads.js';

interface FigureDef {
  id: string;
  title: string;
  unit: string;
}

function figureDefs(s: Sizes): FigureDef[] {
  const file = s.fileMiB >= 1024 ? `${s.fileMiB / 1024} GiB` : `${s.fileMiB} MiB`;
  const cpu = s.cpuMiB >= 1024 ? `${s.cpuMiB / 1024} GiB` : `${s.cpuMiB} MiB`;
  const defs: FigureDef[] = [
    { id: 'seqWrite', title: `sequential write, ${file} file (fio bs=1M, end_fsync)`, unit: 'MB/s' },
    { id: 'seqRead', title: `sequential read of it, fresh mount, caches dropped (fio bs=1M)`, unit: 'MB/s' },
    { id: 'randRead', title: `random 4 KiB buffered reads of it (fio, ${s.randomSeconds} s)`, unit: 'reads/s' },
    { id: 'randWrite4k', title: `random 4 KiB writes into it (fio, ${s.randomSeconds} s, end_fsync)`, unit: 'writes/s' },
    { id: 'randWrite64k', title: `random 64 KiB writes into it (fio, ${s.randomSeconds} s, end_fsync)`, unit: 'writes/s' },
    { id: 'createEmpty', title: `create ${s.files} empty files, one process`, unit: 'files/s' },
    { id: 'stat', title: `stat them`, unit: 'files/s' },
    { id: 'unlink', title: `remove them`, unit: 'files/s' },
    { id: 'createSmall', title: `create ${s.files} files of 1 KiB`, unit: 'files/s' },
  ];
  for (const [dir, what] of [
    ['cpuWrite', `dd bs=1M conv=fsync writing ${cpu} of random data`],
    ['cpuRead', `dd bs=1M reading it back, fresh mount`],
  ] as const) {
    defs.push(
      { id: `${dir}.mount`, title: `CPU, ${what}: the mount daemon (dfs mount, mfsmount, the null mount)`, unit: 's/GiB' },
      { id: `${dir}.master`, title: `CPU, ${what}: the master (mfsmaster)`, unit: 's/GiB' },
      { id: `${dir}.storage`, title: `CPU, ${what}: the storage nodes (3 mfschunkservers together)`, unit: 's/GiB' },
      { id: `${dir}.servers`, title: `CPU, ${what}: all the servers (dfs up is master and storage nodes in one process)`, unit: 's/GiB' },
      { id: `${dir}.dd`, title: `CPU, ${what}: dd itself (user and system, the kernel's side of the file system)`, unit: 's/GiB' },
      { id: `${dir}.all`, title: `CPU, ${what}: every process above together`, unit: 's/GiB' },
    );
  }
  return defs;
}

type Range = [number, number];

interface Cell {
  median: number;
  range: Range;
}

/** Figures of every round of every target, by target name. */
export type Rounds = Map<string, Figures[]>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function cell(rounds: Figures[] | undefined, id: string): Cell | undefined {
  const xs = (rounds ?? []).map((r) => r[id]).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return xs.length ? { median: median(xs), range: [Math.min(...xs), Math.max(...xs)] } : undefined;
}

/** A figure with three significant digits at most, no more decimals than it needs. */
function num(x: number): string {
  if (x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  const decimals = Math.min(digits, 3);
  return x.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
}

/** The targets a figure of `t` is compared with: MooseFS with as many copies, the null mount, the local disk. */
function references(t: TargetSpec, all: TargetSpec[]): Array<[string, TargetSpec | undefined]> {
  const moose = all.find((o) => o.kind === 'moosefs' && o.copies === (t.copies ?? 1));
  return [
    ['MooseFS', moose],
    ['null', all.find((o) => o.kind === 'null')],
    ['local', all.find((o) => o.kind === 'local')],
  ];
}

export function formatReport(rounds: Rounds, targets: TargetSpec[], sizes: Sizes): string {
  const n = Math.max(...[...rounds.values()].map((r) => r.length));
  const lines: string[] = [
    `Through the mount, every target in the same run (${n === 1 ? 'one round' : `median of ${n} rounds, lowest-highest in brackets`}).`,
    `dfs: dfs up (encrypted, 3 disk nodes) + dfs mount. MooseFS: a master and 3 chunkservers on loopback + mfsmount.`,
    `×MooseFS compares with MooseFS keeping as many copies (one copy for the null mount and the local disk);`,
    `a ratio above 1 is faster for rates and more CPU for CPU seconds.`,
  ];
  const w = Math.max(...targets.map((t) => t.name.length));
  for (const def of figureDefs(sizes)) {
    const cells = targets.map((t) => [t, cell(rounds.get(t.name), def.id)] as const).filter(([, c]) => c !== undefined);
    if (!cells.length) continue;
    lines.push('', `${def.title} (${def.unit})`);
    const rows = cells.map(([t, c]) => {
      const range = n > 1 ? ` (${num(c!.range[0])}-${num(c!.range[1])})` : '';
      const ratios = references(t, targets).map(([label, ref]) => {
        const r = ref && ref !== t ? cell(rounds.get(ref.name), def.id) : undefined;
        return { label, text: r && r.median > 0 ? (c!.median / r.median).toFixed(2) : undefined };
      });
      return { t, figure: num(c!.median) + range, ratios };
    });
    // a reference that has no such figure (the local disk has no mount daemon) gets no column
    const shown = rows[0].ratios.map((_, i) => rows.some((r) => r.ratios[i].text !== undefined));
    for (const r of rows) {
      const ratios = r.ratios.filter((_, i) => shown[i]).map(({ label, text }) => `×${label} ${(text ?? '—').padEnd(6)}`);
      lines.push(`  ${r.t.name.padEnd(w)}  ${r.figure.padStart(24)}   ${ratios.join('  ')}`.trimEnd());
    }
  }
  lines.push('', ...issueTargets(rounds, targets));
  return `${lines.join('\n')}\n`;
}

/** Issue 15's targets: dfs against MooseFS with as many copies, or a rate of its own. */
const ISSUE_TARGETS: Array<{ id: string; what: string; atLeast: number; copies?: number; absolute?: boolean }> = [
  { id: 'createEmpty', what: 'creates', atLeast: 1.25 },
  { id: 'stat', what: 'stats', atLeast: 10 },
  { id: 'unlink', what: 'unlinks', atLeast: 1.25 },
  { id: 'seqWrite', what: 'sequential write, 1 copy', atLeast: 1, copies: 1 },
  { id: 'seqWrite', what: 'sequential write, 2 copies', atLeast: 1.5, copies: 2 },
  { id: 'seqRead', what: 'sequential read', atLeast: 1.5 },
  { id: 'randRead', what: 'random 4 KiB reads', atLeast: 1.5 },
  { id: 'randWrite4k', what: 'random 4 KiB writes', atLeast: 1 },
  { id: 'randWrite64k', what: 'random 64 KiB writes', atLeast: 1 },
  { id: 'createSmall', what: '1 KiB files created, files/s', atLeast: 2500, absolute: true },
];

function issueTargets(rounds: Rounds, targets: TargetSpec[]): string[] {
  const lines = ["Issue 15's targets (dfs against MooseFS with as many copies, medians of this run):"];
  const w = Math.max(...ISSUE_TARGETS.map((t) => t.what.length));
  for (const goal of ISSUE_TARGETS) {
    const parts: string[] = [];
    for (const dfs of targets.filter((t) => t.kind === 'dfs' && (goal.copies === undefined || t.copies === goal.copies))) {
      const mine = cell(rounds.get(dfs.name), goal.id)?.median;
      const moose = targets.find((t) => t.kind === 'moosefs' && t.copies === dfs.copies);
      const theirs = moose ? cell(rounds.get(moose.name), goal.id)?.median : undefined;
      const value = goal.absolute ? mine : mine !== undefined && theirs ? mine / theirs : undefined;
      const shown = value === undefined ? '—' : goal.absolute ? num(value) : `${value.toFixed(2)}×`;
      const verdict = value === undefined ? 'not measured' : value >= goal.atLeast ? 'met' : 'missed';
      parts.push(`${dfs.copies} ${dfs.copies === 1 ? 'copy' : 'copies'} ${shown} ${verdict}`);
    }
    const want = goal.absolute ? `≥ ${num(goal.atLeast)}` : `≥ ${goal.atLeast}×`;
    lines.push(`  ${goal.what.padEnd(w)}  ${want.padEnd(8)}  ${parts.join(';  ')}`);
  }
  return lines;
}
