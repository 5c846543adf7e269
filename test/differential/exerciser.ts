// Runs the differential exerciser: random step sequences applied to a local reference
// directory and to dfs, compared after every step. On a mismatch fast-check shrinks the
// sequence to the shortest one it can find that still fails, and the report gives that
// sequence and the seed and path that replay it (`npm run soak -- --seed S --path P`).
import fc from 'fast-check';
import { commandArbitraries, type Shape } from './commands.js';
import type { Target } from './targets.js';
import { World, type WorldOptions } from './world.js';

export interface ExerciseOptions {
  shape: Shape;
  options: WorldOptions;
  /** A fresh place for one run: the reference and the targets, each rooted at a new, empty directory. */
  newRun(): Promise<{ ref: Target; refRoot: string; mounts: Target[] }>;
  /** Overlays the cluster's master has laid so far, where the setup can tell. */
  overlaysLaid?: () => number;
  seed?: number;
  /** With `seed`, replays one counterexample (and its shrinking) instead of searching. */
  path?: string;
  /** With `path`: which of the generated steps ran (fast-check's commands replay path). */
  replay?: string;
  runs: number;
  maxCommands: number;
  /** Stop starting new runs after this long (soak). */
  timeLimitMs?: number;
}

export interface ExerciseReport {
  failed: boolean;
  seed: number;
  /** The counterexample's path, for a replay, and which of its steps ran. */
  path?: string;
  replay?: string;
  runs: number;
  /** Steps applied, shrinking included. */
  steps: number;
  /** The shortest failing sequence, one step a line, and what went wrong. */
  counterexample?: string;
  error?: string;
}

export async function exercise(o: ExerciseOptions): Promise<ExerciseReport> {
  let steps = 0;
  const prop = fc.asyncProperty(
    fc.commands(commandArbitraries(o.shape), { maxCommands: o.maxCommands, size: 'max', ...(o.replay === undefined ? {} : { replayPath: o.replay }) }),
    async (cmds) => {
      const { ref, refRoot, mounts } = await o.newRun();
      const world = new World(ref, refRoot, mounts, o.options);
      try {
        await fc.asyncModelRun(() => ({ model: world, real: world }), cmds);
      } finally {
        steps += world.trace.length;
        await world.closeAll();
      }
    },
  );
  const details = await fc.check(prop, {
    numRuns: o.runs,
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.path === undefined ? {} : { path: o.path }),
    ...(o.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false }),
  });
  const report: ExerciseReport = { failed: details.failed, seed: details.seed, runs: details.numRuns, steps };
  if (details.failed) {
    report.path = details.counterexamplePath ?? undefined;
    const text = details.counterexample ? (details.counterexample[0] as { toString(): string }).toString() : '';
    report.replay = /\/\*replayPath="([^"]*)"\*\//.exec(text)?.[1];
    report.counterexample = text
      .replace(/\s*\/\*replayPath=.*\*\/\s*$/, '')
      .split(',')
      .join('\n');
    report.error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  }
  return report;
}

/** The report as a person reads it. */
export function describe(r: ExerciseReport, replay: string): string {
  if (!r.failed) return `no mismatch in ${r.runs} runs (${r.steps} steps), seed ${r.seed}`;
  return [
    `MISMATCH: ${r.error}`,
    'shortest failing sequence:',
    ...(r.counterexample ?? '').split('\n').map((l) => `  ${l.trim()}`),
    `replay: ${replay} --seed ${r.seed} --path ${r.path} --replay '${r.replay ?? ''}'`,
  ].join('\n');
}
