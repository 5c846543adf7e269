// An fstab line mounts dfs through mount(8): `mount -T FSTAB DIR` runs mount.fuse, which
// runs `dfs URL DIR -o …`, which starts the daemon and returns. mount.fuse resets PATH, so
// the line names bin/dfs by its path (`/path/to/dfs#URL … fuse`), as for an uninstalled copy;
// an installed dfs is found as type fuse.dfs.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ROOT, spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, sh } from '../helpers/mount.js';

/**
 * Whether process `pid` has exited within `ms` (polled every 100 ms). A zombie has: the
 * daemon is detached, so its parent is PID 1, and in a container whose PID 1 reaps nothing
 * (no --init) an exited daemon stays a zombie, which kill(pid, 0) still finds.
 */
async function exits(pid: number | undefined, ms: number): Promise<boolean> {
  if (pid === undefined) return false;
  for (let waited = 0; waited < ms; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (isZombie(pid)) return true;
  }
  return false;
}

function isZombie(pid: number): boolean {
  try {
    // /proc/PID/stat: "pid (comm) state ...", and comm may hold spaces or parentheses
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

const skip = fuseUnavailable() ?? (fs.existsSync('/sbin/mount.fuse') || fs.existsSync('/usr/sbin/mount.fuse') ? undefined : 'mount.fuse (package fuse or fuse3) is not installed');

t.test('mount through a private fstab line, then ls and umount', { skip }, async (t) => {
  const cl = await spawnCluster(t, { nodes: 1 });
  const c = await cl.client();
  const h = await c.create('/from-the-cluster.txt', 0o644);
  await h.write(0, Buffer.from('hello from fstab\n'));
  await h.close();

  const dir = tempDir(t);
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  const fstab = path.join(dir, 'fstab');
  fs.writeFileSync(fstab, `${path.join(ROOT, 'bin', 'dfs')}#${cl.url}  ${mnt}  fuse  config=${cl.env.DFS_CONFIG_DIR},_netdev,noatime,attr_cache=2  0 0\n`);
  const env = { ...process.env, LC_ALL: 'C' };
  let daemonPid: number | undefined;
  t.teardown(async () => {
    if (isMounted(mnt)) await sh(`fusermount -uz ${mnt} || umount -l ${mnt}`);
    if (daemonPid) {
      try {
        process.kill(daemonPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });

  const m = await sh(`mount -T ${fstab} ${mnt}`, { env });
  daemonPid = Number(m.stderr.match(/daemon pid (\d+)/)?.[1]) || undefined;
  t.equal(m.code, 0, `mount exits 0: ${m.stderr}`);
  t.ok(isMounted(mnt), 'the directory is a mount point');
  t.equal((await sh('ls', { cwd: mnt })).stdout, 'from-the-cluster.txt\n', 'ls shows the cluster');
  t.equal((await sh('cat from-the-cluster.txt', { cwd: mnt })).stdout, 'hello from fstab\n', 'cat reads it');

  const u = await sh(`umount ${mnt}`, { env });
  t.equal(u.code, 0, `umount exits 0: ${u.stderr}`);
  t.notOk(isMounted(mnt), 'unmounted');
  // the daemon notices and exits on its own
  t.ok(await exits(daemonPid, 5000), 'the daemon exited after umount');

  // the helper has gone, and with it the daemon's stdout and stderr: a SIGTERM (system
  // shutdown) must still log, flush and unmount cleanly, not die writing to a closed pipe
  const again = await sh(`mount -T ${fstab} ${mnt}`, { env });
  daemonPid = Number(again.stderr.match(/daemon pid (\d+)/)?.[1]) || undefined;
  t.equal(again.code, 0, `mounted again: ${again.stderr}`);
  t.equal((await sh('echo written > from-the-mount.txt', { cwd: mnt })).code, 0, 'a file written through it');
  process.kill(daemonPid!, 'SIGTERM');
  t.ok(await exits(daemonPid, 10_000), 'the daemon exited on SIGTERM');
  t.notOk(isMounted(mnt), 'and unmounted cleanly, leaving no dead mount');

  // an fstab whose only dfs line names another directory: mount(8) finds nothing for ours
  const other = path.join(dir, 'fstab-other');
  fs.writeFileSync(other, fs.readFileSync(fstab, 'utf8').replace(`  ${mnt}  `, `  ${path.join(dir, 'elsewhere')}  `));
  const bad = await sh(`mount -T ${other} ${mnt}`, { env });
  t.not(bad.code, 0, 'a mount point with no fstab line fails');
  t.notOk(isMounted(mnt), 'and nothing is mounted there');
});
