// One master per data directory: `dfs master`, `dfs up` and `dfs master reset-admin` hold
// <data-dir>/master.pid while they use it, so a second one (or an offline reset while a
// master runs, which would write the journal under its feet) is refused. A file left by a
// process that is gone (killed, crashed) is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { DfsError } from '../rpc/errors.js';

const LOCK_NAME = 'master.pid';

/** Whether `pid` is a live process that looks like dfs (a reused pid of another program is not). */
function liveDfs(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /dfs|main\.js/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc to ask: alive is all we know
  }
}

/** The pid of a live process holding `dir`, if any. */
function dataDirHolder(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, LOCK_NAME), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && liveDfs(pid) ? pid : undefined;
}

/** Holds `dir` for this process until it exits; EBUSY when another live process does. */
export function holdDataDir(dir: string, what = 'a master'): void {
  const holder = dataDirHolder(dir);
  if (holder !== undefined) throw new DfsError('EBUSY', `${what} (pid ${holder}) is using ${dir}; stop it first`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOCK_NAME);
  fs.writeFileSync(file, `${process.pid}\n`);
  process.once('exit', () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
    } catch {
      // gone already
    }
  });
}
