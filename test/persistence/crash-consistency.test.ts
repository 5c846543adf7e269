// Crash consistency, as JuiceFS's CI checks it: a writer makes small files through a mount,
// fsyncs each and its directory, and only then records it in a manifest outside the mount
// (a name being replaced is noted before the rename, so that a writer killed in between may
// leave either content).
// One part of the cluster is killed with SIGKILL mid-stream (the mount daemon; the master;
// one storage node of a two-copy cluster) and started again. Every file in the manifest
// must read back byte for byte, fsck must be clean, and once garbage collection has run no
// node may hold a block that nothing references.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, mount, type Mounted } from '../helpers/mount.js';
import { blocksOnDisk, eventually, splitCluster, type SplitCluster } from '../helpers/split-cluster.js';

const skip = fuseUnavailable();

// Files of sizes around the 64 KiB block; every fifth one replaces an earlier file by the
// write-then-rename pattern editors use, so the manifest's last line for a name wins.
const WRITER = `
import hashlib, os, random, sys
root, manifest, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(seed)
os.makedirs(root, exist_ok=True)
dfd = os.open(root, os.O_RDONLY)
log = open(manifest, 'a')
i = 0
while True:
    data = rnd.randbytes(rnd.choice([0, 1, 4000, 65535, 65536, 65537, 150000]))
    name = 'f%05d' % (i if i % 5 or i == 0 else rnd.randrange(i))
    tmp = 'tmp%05d' % i
    fd = os.open(os.path.join(root, tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)
    os.close(fd)
    # a kill between the rename and the acknowledgement leaves the name with either content
    sha = hashlib.sha256(data).hexdigest()
    log.write('? %s %s\\n' % (name, sha))
    log.flush()
    os.rename(os.path.join(root, tmp), os.path.join(root, name))
    os.fsync(dfd)
    log.write('%s %s\\n' % (name, sha))
    log.flush()
    os.fsync(log.fileno())
    i += 1
`;

function startWriter(dir: string, manifest: string, seed: number): { proc: ChildProcess; done: Promise<void> } {
  const proc = spawn('python3', ['-c', WRITER, dir, manifest, String(seed)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, done };
}

/**
 * The acknowledged files: name → the contents it may hold (its last acknowledged one, and
 * the one a rename that was under way when the writer died was putting there).
 */
function manifestOf(file: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  if (!fs.existsSync(file)) return m;
  const pending = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const parts = line.split(' ');
    if (parts[0] === '?' && parts[2]?.length === 64) pending.set(parts[1], parts[2]);
    else if (parts[0] && parts[1]?.length === 64) {
      m.set(parts[0], [parts[1]]);
      pending.delete(parts[0]);
    }
  }
  for (const [name, sha] of pending) m.get(name)?.push(sha);
  return m;
}

async function acknowledged(manifest: string, atLeast: number): Promise<void> {
  await eventually(`${atLeast} files in the manifest`, () => (manifestOf(manifest).size >= atLeast ? true : undefined), 120_000);
}

/** Every file the manifest names reads back as recorded. */
function verify(t: Test, dir: string, manifest: string): void {
  const m = manifestOf(manifest);
  let bad = 0;
  for (const [name, shas] of m) {
    const got = createHash('sha256')
      .update(fs.readFileSync(path.join(dir, name)))
      .digest('hex');
    if (!shas.includes(got)) bad++;
  }
  t.equal(bad, 0, `all ${m.size} acknowledged files read back byte for byte`);
}

/** fsck clean, and after GC no node holds a block that nothing references. */
async function clean(t: Test, c: SplitCluster): Promise<void> {
  const fsck = await eventually(
    'a clean fsck',
    async () => {
      const r = await c.dfs(['fsck', '/']);
      return r.code === 0 ? r : undefined;
    },
    120_000,
  );
  t.equal(fsck.code, 0, 'dfs fsck is clean');
  const leftover = await eventually(
    'no unreferenced block on any node',
    async () => {
      const s = await c.status();
      const held = new Set<string>();
      for (const d of c.nodeDirs) for (const id of blocksOnDisk(d)) held.add(id);
      return s.garbage === 0 && held.size === s.blocks ? { held: held.size, blocks: s.blocks } : undefined;
    },
    120_000,
  );
  t.equal(leftover.held, leftover.blocks, `the nodes hold exactly the ${leftover.blocks} referenced blocks`);
}

const MASTER = ['--block-size', '64K', '--allocation-ttl', '5', '--reconcile-every', '2'];

for (const victim of ['mount daemon', 'master', 'storage node'] as const) {
  t.test(`SIGKILL of the ${victim} mid-stream loses no acknowledged file`, { skip }, async (t) => {
    const c = await splitCluster(t, { nodes: 2, replicas: 2, masterArgs: MASTER });
    await c.dfs(['whoami']); // logs in, so `dfs mount` finds the session
    const mntDir = path.join(tempDir(t, 'dfs-mnt-'), 'mnt');
    let mnt: Mounted = await mount(t, c, { dir: mntDir });
    const manifest = path.join(tempDir(t), 'manifest');
    const w = startWriter(path.join(mnt.dir, 'w'), manifest, 7);
    t.teardown(() => void w.proc.kill('SIGKILL'));
    await acknowledged(manifest, 15);

    if (victim === 'mount daemon') {
      mnt.proc.kill('SIGKILL');
      await w.done; // its next call fails: the mount is gone
      mnt = await mount(t, c, { dir: mntDir }); // clears the dead mount first
    } else if (victim === 'master') {
      await c.master!.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      await c.startMaster();
      await c.settle();
      await acknowledged(manifest, manifestOf(manifest).size + 5); // the writer rode it out, or...
    } else {
      await c.nodes[1]!.stop('SIGKILL');
      await acknowledged(manifest, manifestOf(manifest).size + 5); // one copy is enough to go on
      await c.startNode(1);
      await c.settle();
    }
    w.proc.kill('SIGKILL');
    await w.done;
    verify(t, path.join(mnt.dir, 'w'), manifest);
    await mnt.unmount();
    const fresh = await mount(t, c);
    verify(t, path.join(fresh.dir, 'w'), manifest);
    await clean(t, c);
  });
}
