// Small disks for tests of what happens when one fills: a tmpfs of a few MiB, mounted by
// the test (as root) and unmounted at its teardown, also when the test fails.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { tempDir, type Teardown } from './cluster.js';

/** Why small disks cannot be made here, or undefined when they can. */
export function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs takes root';
  return undefined;
}

function isMountPoint(dir: string): boolean {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir);
}

/** A fresh directory with a tmpfs of `mib` MiB mounted on it. */
export function smallDisk(t: Teardown, mib: number, dir = tempDir(t, 'dfs-disk-')): string {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m,mode=0700`, 'tmpfs', dir]);
  // registered after tempDir's removal, so it runs first (teardowns run last-in first-out)
  t.teardown(() => {
    if (!isMountPoint(dir)) return;
    // a teardown that throws would skip the ones after it: never throw here
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' }); // busy: detach now, freed when the last user lets go
      } catch {
        // nothing more to do; the mount is gone or cannot go
      }
    }
  });
  return dir;
}
