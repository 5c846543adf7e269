// `dfs mount --trace` on the low-level binding: every operation the daemon answers, with
// its outcome and how long it took, on the log.
import type { Log } from './errno.js';
import type { LowLevelOps } from './lowlevel-ops.js';

type Op = (...args: unknown[]) => unknown;

const codeOf = (err: unknown): string => (err as { code?: string } | null)?.code ?? 'error';

export function tracedOps(ops: LowLevelOps, log: Log): LowLevelOps {
  const out: Record<string, Op> = {};
  for (const [name, f] of Object.entries(ops) as [string, Op][]) {
    out[name] = (...args: unknown[]): unknown => {
      const t0 = process.hrtime.bigint();
      const done = (outcome: string): void => log(`fuse ${name} ${outcome} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3)} ms`);
      let result: unknown;
      try {
        result = f(...args);
      } catch (err) {
        done(codeOf(err));
        throw err;
      }
      if (typeof (result as { then?: unknown } | null)?.then === 'function') {
        (result as Promise<unknown>).then(
          () => done('ok'),
          (err: unknown) => done(codeOf(err)),
        );
      } else {
        done('ok');
      }
      return result;
    };
  }
  return out;
}
