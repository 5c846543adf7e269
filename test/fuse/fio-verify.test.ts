// fio's verify mode through real mounts, as peers run it in CI: sequential and random
// writes, each block carrying a checksum and its offset, written through one mount with
// fsync at the end and verified through a second, fresh mount of the same cluster. The
// cluster has 64 KiB blocks so that fio's blocks straddle dfs's.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable() ?? (spawnSync('fio', ['--version']).status === 0 ? undefined : 'fio is not installed (scripts/system-deps.sh --test installs it)');

const JOBS: [string, string][] = [
  ['sequential, 192 KiB writes', '--rw=write --bs=192k --size=6m --verify=crc32c'],
  ['random, 4 KiB writes', '--rw=randwrite --bs=4k --size=2m --verify=md5'],
  ['random, mixed 1-100 KiB writes', '--rw=randwrite --bsrange=1k-100k --size=3m --verify=sha256'],
];

t.test('fio writes through one mount and verifies through a fresh one', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory', '--block-size', '64K'], replicas: 2 });
  const writer = await mount(t, cluster);
  for (const [i, [what, job]] of JOBS.entries()) {
    const common = `fio --name=job${i} --filename=job${i} --ioengine=psync --randrepeat=1 --verify_fatal=1 ${job}`;
    const w = await sh(`${common} --do_verify=0 --end_fsync=1`, { cwd: writer.dir });
    t.equal(w.code, 0, `${what}: written (${w.stderr.trim()})`);
  }
  await writer.unmount();
  const reader = await mount(t, cluster);
  for (const [i, [what, job]] of JOBS.entries()) {
    const v = await sh(`fio --name=job${i} --filename=job${i} --ioengine=psync --randrepeat=1 --verify_fatal=1 ${job} --verify_only`, { cwd: reader.dir });
    t.equal(v.code, 0, `${what}: verified through a fresh mount`);
    t.notMatch(v.stdout + v.stderr, /verify: bad|bad magic|crc32c: verify failed|md5: verify failed|sha256: verify failed/, `${what}: no bad block`);
  }
});
