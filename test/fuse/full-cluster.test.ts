// A full cluster loses nothing it acknowledged (issue 12): three storage nodes on 64 MiB disks
// of their own (tmpfs), two copies, one mount. Files are written and fsync'd until the cluster
// is full: the writer gets ENOSPC (not EIO), every file whose fsync succeeded reads back byte
// for byte, fsck is clean, and once some files are deleted new writes succeed again.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { sha } from '../helpers/bytes.js';
import { spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';
import { eventually } from '../helpers/split-cluster.js';
import { smallDisk, tmpfsUnavailable } from '../helpers/tmpfs.js';

const MiB = 1024 * 1024;

// Writes files of 3 MiB under DIR until one fails, each fsync'd before it counts: prints
// "ok NAME SHA256" for every file acknowledged, then "stop ERRNO NAME" (or "done").
const WRITER = String.raw`
import errno, hashlib, os, sys
root, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = 3 * 1024 * 1024
for i in range(count):
    name = os.path.join(root, '%s%04d' % (prefix, i))
    data = os.urandom(size)
    failed = None
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except OSError as e:
        failed = e
    else:
        try:
            for off in range(0, size, 1 << 20):
                os.write(fd, data[off:off + (1 << 20)])
            os.fsync(fd)
        except OSError as e:
            failed = e
        try:
            os.close(fd)
        except OSError as e:
            failed = failed or e
    if failed:
        print('stop', errno.errorcode.get(failed.errno, str(failed.errno)), name, flush=True)
        sys.exit(0)
    print('ok', name, hashlib.sha256(data).hexdigest(), flush=True)
print('done', flush=True)
`;

interface Written {
  acked: Map<string, string>;
  stop?: { errno: string; name: string };
}

async function writeUntilFull(dir: string, prefix: string, count: number): Promise<Written> {
  const r = await sh(`python3 - '${dir}' ${prefix} ${count}`, { cwd: '/', input: WRITER });
  if (r.code !== 0) throw new Error(`writer failed: ${r.stderr}`);
  const out: Written = { acked: new Map() };
  for (const line of r.stdout.split('\n')) {
    const [what, a, b] = line.split(' ');
    if (what === 'ok') out.acked.set(a, b);
    if (what === 'stop') out.stop = { errno: a, name: b };
  }
  return out;
}

function readsBack(t: Test, files: Map<string, string>): void {
  let good = 0;
  for (const [name, digest] of files) if (sha(fs.readFileSync(name)) === digest) good++;
  t.equal(good, files.size, `all ${files.size} acknowledged files read back byte for byte`);
}

const skip = fuseUnavailable() ?? tmpfsUnavailable();

t.test('a cluster written full: ENOSPC, every acknowledged file intact, fsck clean, room again after deletes', { skip }, async (t) => {
  const dir = tempDir(t);
  for (let i = 1; i <= 3; i++) smallDisk(t, 64, path.join(dir, 'data', `storage-${i}`));
  const cluster = await spawnCluster(t, { dir, nodes: 3, replicas: 2 });
  const mnt = await mount(t, cluster);

  const first = await writeUntilFull(mnt.dir, 'c', 200);
  t.ok(first.stop, 'the writer ran out of room before 200 files');
  t.equal(first.stop?.errno, 'ENOSPC', `the failing write says no space, not EIO (${first.stop?.name})`);
  t.ok(first.acked.size >= 20, `${first.acked.size} files of 3 MiB acknowledged on 3 x 64 MiB with two copies`);
  readsBack(t, first.acked);
  const fsck = await cluster.dfs(['fsck']);
  t.equal(fsck.code, 0, `fsck is clean: ${fsck.stdout}`);
  const status = await (await cluster.client()).status();
  t.same([status.missing, status.underReplicated, status.corrupt], [0, 0, 0], 'nothing missing, under-replicated or corrupt');
  for (const n of status.nodes) {
    t.ok(n.used <= 64 * MiB, `node ${n.id} reports ${n.used} bytes used, no more than its disk`);
    // blocks spread by free space, counting those placed since the last heartbeat: no node is
    // left with room for two more blocks when the cluster says it is full
    t.ok(n.capacity - n.used < 2 * 3 * MiB, `node ${n.id} is full: ${n.capacity - n.used} bytes left`);
  }

  // delete every other acknowledged file and purge the trash; their blocks go, and the room comes back
  const names = [...first.acked.keys()];
  const kept = new Map(names.filter((_, i) => i % 2 === 1).map((n) => [n, first.acked.get(n)!]));
  for (const [i, n] of names.entries()) if (i % 2 === 0) fs.rmSync(n);
  // removed files wait in the trash, their space still used, until it is purged
  t.equal((await cluster.dfs(['trash', 'purge', '--all'])).code, 0, 'the trash is purged');
  const c = await cluster.client();
  await eventually("the deleted files' room to be free at the master", async () => ((await c.status()).space!.free > 3 * 24 * MiB ? true : undefined), 60_000);
  const again = await writeUntilFull(mnt.dir, 'n', 3);
  t.equal(again.acked.size, 3, `new writes succeed (${again.stop ? `stopped: ${again.stop.errno}` : 'all three'})`);
  readsBack(t, new Map([...kept, ...again.acked]));
  t.equal((await cluster.dfs(['fsck'])).code, 0, 'and fsck is still clean');
});
