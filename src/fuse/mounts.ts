// The host's view of mounts: which FUSE mounts exist (from /proc/self/mountinfo), clearing
// one whose daemon died, and unmounting. Nothing here touches files inside a mount except
// the stat that tells a live mount from a dead one, which runs in a child process so a
// hung mount cannot hang us.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { DfsError, toDfsError } from '../rpc/errors.js';

export interface MountEntry {
  mountpoint: string;
  /** "major:minor" of the mount's device; names its backing device info in /sys/class/bdi. */
  device: string;
  fstype: string;
}

// mountinfo escapes space, tab, newline and backslash as octal
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

async function listMounts(): Promise<MountEntry[]> {
  const text = await fs.promises.readFile('/proc/self/mountinfo', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 7 || dash < 6) continue;
    out.push({ mountpoint: unescape(f[4]), device: f[2], fstype: f[dash + 1] });
  }
  return out;
}

export async function findMount(mountpoint: string): Promise<MountEntry | undefined> {
  const abs = path.resolve(mountpoint);
  // the last entry wins: a later mount on the same path hides the earlier ones
  return (await listMounts()).filter((m) => m.mountpoint === abs).pop();
}

/** Whether a FUSE mount is still at `mountpoint` in the mount table. */
export async function stillMounted(mountpoint: string): Promise<boolean> {
  const m = await findMount(mountpoint).catch(() => undefined);
  return m !== undefined && m.fstype.startsWith('fuse');
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ ok: boolean; missing: boolean; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, _stdout, stderr) => {
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ ok: !err, missing, stderr: String(stderr).trim() || (err ? err.message : '') });
    });
  });
}

/**
 * Unmounts a FUSE mount: fusermount (libfuse2's, or fuse3's which unmounts the same way),
 * then plain umount for root on hosts without either. `lazy` detaches even when busy.
 */
export async function unmount(mountpoint: string, lazy: boolean): Promise<void> {
  const abs = path.resolve(mountpoint);
  const flag = lazy ? '-uz' : '-u';
  let last = '';
  for (const [cmd, args] of [
    ['fusermount', [flag, abs]],
    ['fusermount3', [flag, abs]],
    ['umount', lazy ? ['-l', abs] : [abs]],
  ] as const) {
    const r = await run(cmd, [...args]);
    if (r.ok) return;
    if (r.missing) continue;
    last = r.stderr;
    // a busy mount stays busy whichever tool asks
    if (/busy/i.test(last)) throw new DfsError('EBUSY', `${abs} is busy (files are open in it): ${last}`);
    if (!(await findMount(abs))) return; // gone after all
  }
  throw new DfsError('EIO', `cannot unmount ${abs}: ${last || 'no fusermount or umount found'}`);
}

/** True when the mount answers; false when its daemon is gone ("Transport endpoint is not connected"). */
async function mountAnswers(mountpoint: string, timeoutMs = 5_000): Promise<boolean> {
  const r = await run('stat', ['-c', '%i', mountpoint], timeoutMs);
  if (r.ok) return true;
  if (/not connected|Input\/output error/i.test(r.stderr)) return false;
  // a stat that hangs is a daemon that is alive but stuck: not ours to take away
  return true;
}

/**
 * Before mounting: a FUSE mount already at `mountpoint` whose daemon died is cleared; a
 * live one is left alone and reported as EBUSY.
 */
export async function clearStaleMount(mountpoint: string, log: (line: string) => void): Promise<void> {
  const m = await findMount(mountpoint);
  if (!m) return;
  if (!m.fstype.startsWith('fuse')) throw new DfsError('EBUSY', `${mountpoint} is already a mount point (${m.fstype})`);
  if (await mountAnswers(mountpoint)) throw new DfsError('EBUSY', `${mountpoint} is already mounted (${m.fstype}); run \`dfs umount ${mountpoint}\` first`);
  log(`dfs mount: clearing a stale mount at ${mountpoint} left by a daemon that died`);
  await unmount(mountpoint, true);
}

/**
 * Makes `mountpoint` ready to mount on: created when missing (`dfs up --mount ~/dfs` on a
 * fresh machine, as the one command promises), a dead mount on it cleared, and refused when
 * it is not an empty directory (mounting over files hides them).
 */
export async function prepareMountpoint(mountpoint: string, log: (line: string) => void): Promise<void> {
  const st = await fs.promises.stat(mountpoint).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOTCONN') return undefined; // a dead mount: cleared below
    if (err.code === 'ENOENT') return null;
    throw toDfsError(err);
  });
  if (st === null) {
    await fs.promises.mkdir(mountpoint, { recursive: true });
    log(`dfs mount: created the mount point ${mountpoint}`);
  }
  if (st && !st.isDirectory()) throw new DfsError('ENOTDIR', `mount point is not a directory: ${mountpoint}`);
  await clearStaleMount(mountpoint, log);
  // libfuse would refuse too, but only with "fuse failed"
  if ((await fs.promises.readdir(mountpoint)).length > 0) {
    throw new DfsError('ENOTEMPTY', `mount point is not empty: ${mountpoint}`);
  }
}

/**
 * The kernel reads ahead only 128 KiB on a FUSE mount, and libfuse cannot ask for more at
 * init; root may raise it on the mount's backing device info, so several requests are in
 * flight on a sequential read. Best effort: without it reads are just slower.
 */
export async function raiseReadahead(mountpoint: string, log: (line: string) => void): Promise<void> {
  const m = await findMount(mountpoint);
  if (!m) return;
  await fs.promises
    .writeFile(`/sys/class/bdi/${m.device}/read_ahead_kb`, String(DEFAULTS.fuseReadaheadKb))
    .catch((err: Error) => log(`dfs mount: could not raise read-ahead (${err.message}); sequential reads will be slower`));
}
