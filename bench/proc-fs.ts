// What the bench reads of a process from /proc: its CPU ticks and start time
// (/proc/PID/stat) and its children (/proc/PID/task/TID/children). Linux only.
import fs from 'node:fs';

export interface ProcStat {
  /** utime + stime + cutime + cstime: its own threads' CPU and that of the children it reaped. */
  ticks: number;
  /** When it started, in ticks since boot: with the pid, names one process even if the pid is reused. */
  startTime: number;
}

/** Fields 14-17 and 22 of /proc/PID/stat, counted after the ")" that ends the name; throws if it is gone. */
export function procStat(pid: number): ProcStat {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field n is rest[n - 3]
  return { ticks: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]), startTime: Number(rest[19]) };
}

export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return []; // gone
  }
  return tasks.flatMap((tid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

/** Every process under `pid` now, each named by pid and start time. */
export function descendants(pid: number): Array<{ pid: number; startTime: number }> {
  return childrenOf(pid).flatMap((child) => {
    try {
      return [{ pid: child, startTime: procStat(child).startTime }, ...descendants(child)];
    } catch {
      return []; // it ended between the listing and the read
    }
  });
}

/** Whether the process named by `pid` and `startTime` still runs (not another that took its pid). */
export function stillRunning(p: { pid: number; startTime: number }): boolean {
  try {
    return procStat(p.pid).startTime === p.startTime;
  } catch {
    return false;
  }
}
