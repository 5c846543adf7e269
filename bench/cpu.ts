// CPU time a process has used, from /proc/PID/stat: user plus system time of all its threads,
// of the children it has reaped, and of the children still running (mfsmaster, for one, may
// write its metadata from a child). Sampled before and after a transfer, the difference is
// what that process spent on it.
import { execFileSync } from 'node:child_process';
import { childrenOf, procStat } from './proc-fs.js';

/** Clock ticks a second, the unit of /proc/PID/stat's times (100 on Linux almost always). */
const TICKS_PER_SECOND = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds of `pid` and everything under it so far; throws if `pid` is gone. */
export function cpuSeconds(pid: number): number {
  let ticks = procStat(pid).ticks;
  for (const child of childrenOf(pid)) {
    try {
      ticks += cpuSeconds(child) * TICKS_PER_SECOND;
    } catch {
      // it ended between the listing and the read; its time is in our cutime once reaped
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** The user and system seconds of the children of a bash that ran `times` last (its second line). */
export function parseBashTimes(stderr: string): number {
  const lines = stderr.trim().split('\n');
  const children = lines[lines.length - 1] ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`no times in: ${stderr}`);
  return secs[0] + secs[1];
}
