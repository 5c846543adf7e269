// What users of ls, du, df, mfsfileinfo and `hdfs dfs` reach for: ls -R -a -h (compared with
// GNU ls on the same tree), --json on every listing, du, df, info, and a status with totals,
// the master's version and uptime, and the mounts and clients connected.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { PathInfo, TrashItem } from '../../src/protocol/types.js';
import { spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

t.test('ls -R, -a, -l -h as GNU ls prints them; --json everywhere; du, df, info', async (t) => {
  const cl = await spawnCluster(t, { nodes: 2, replicas: 2 });
  const ok = async (args: string[]): Promise<string> => {
    const r = await cl.dfs(args);
    t.equal(r.code, 0, `dfs ${args.join(' ')}${r.stderr ? `: ${r.stderr}` : ''}`);
    return r.stdout;
  };
  const local = tempDir(t);
  const tree = path.join(local, 'tree');
  fs.mkdirSync(path.join(tree, 'sub', 'deep'), { recursive: true });
  fs.mkdirSync(path.join(tree, '.hidden-dir'));
  fs.mkdirSync(path.join(tree, 'empty'));
  const sizes: Record<string, number> = { zero: 0, small: 1023, kib: 1024, odd: 5 * 1024 * 1024 + 7, 'sub/half': 1536 * 1024, 'sub/deep/.dot': 10, '.hidden-dir/x': 3 };
  for (const [name, n] of Object.entries(sizes)) fs.writeFileSync(path.join(tree, name), randomBytes(n));
  await ok(['put', '-r', tree, '/']);

  const gnu = async (cmd: string): Promise<string> => (await sh(`cd ${local} && LC_ALL=C ${cmd}`)).stdout;
  const stripRoot = (s: string): string => s.replace(/^\/(.*):$/gm, '$1:');
  t.equal(stripRoot(await ok(['ls', '-R', '/tree'])), await gnu('ls -R tree'), 'ls -R: the same as GNU ls -R');
  t.equal(stripRoot(await ok(['ls', '-R', '-a', '/tree'])), await gnu('ls -R -A tree'), 'ls -R -a: dot names too (no . and ..)');
  t.equal(await ok(['ls', '/tree']), await gnu('ls tree'), 'dot names hidden without -a');
  // files only: a local directory's size is its 4 KiB of entries, a dfs one's is 0
  const sizeColumn = (text: string): string[] =>
    text
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('-'))
      .map((l) => l.split(/\s+/)[4]);
  t.same(sizeColumn(await ok(['ls', '-l', '-h', '/tree'])), sizeColumn(await gnu('ls -l -h tree')), 'ls -lh sizes as GNU ls -lh rounds them');

  const entries = JSON.parse(await ok(['ls', '-R', '--json', '/tree'])) as { path: string; size: number; type: string; user: string }[];
  t.same(
    entries
      .filter((e) => e.type === 'file')
      .map((e) => [e.path, e.size])
      .sort(),
    Object.entries(sizes)
      .filter(([n]) => !n.split('/').some((p) => p.startsWith('.')))
      .map(([n, s]) => [`/tree/${n}`, s])
      .sort(),
    'ls --json: paths and sizes',
  );
  t.equal(entries[0].user, 'admin', 'with owner names');
  for (const args of [
    ['user', 'list', '--json'],
    ['group', 'list', '--json'],
    ['session', 'list', '--json'],
    ['trash', 'list', '--json'],
    ['status', '--json'],
    ['df', '--json'],
    ['du', '--json'],
    ['info', '--json', '/tree'],
  ]) {
    const out = await ok(args);
    t.doesNotThrow(() => JSON.parse(out) as unknown, `dfs ${args.join(' ')} prints JSON`);
  }

  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const du = JSON.parse(await ok(['du', '-s', '--json', '/tree'])) as { bytes: number; replicated: number; files: number }[];
  t.match(du, [{ path: '/tree', bytes: total, replicated: 2 * total, files: Object.keys(sizes).length }], 'du -s: bytes, and with two replicas');
  t.match(await ok(['du', '/tree']), /^3\s+6\s+\/tree\/\.hidden-dir\n0\s+0\s+\/tree\/empty\n/, 'du: one line per entry, as hdfs dfs -du');
  t.match(await ok(['du', '-h', '-s', '/tree']), /^6\.6M\s+14M\s+\/tree\n$/, 'du -h');

  const info = JSON.parse(await ok(['info', '--json', '/tree/odd'])) as PathInfo;
  t.equal(info.blocks!.length, 2, 'a 5 MiB file is two 4 MiB blocks');
  t.match(info.blocks, [
    { index: 0, size: 4 * 1024 * 1024, live: 2, state: 'ok' },
    { index: 1, size: 1024 * 1024 + 7, live: 2, state: 'ok' },
  ]);
  t.equal(new Set(info.blocks![0]!.copies.map((c) => c.node)).size, 2, 'on two different nodes');
  t.match(
    await ok(['info', '/tree/odd']),
    /^blocks\s+2, 2 with every copy they want\nBLOCK\s+ID\s+SIZE\s+COPIES\s+STATE\s+NODES\n0\s+[0-9a-f]{32}\s+4194304\s+2\/2\s+ok\s+\S+ \S+$/m,
  );
  t.match(await ok(['info', '/tree']), /contains\s+7 files, 4 directories, \d+ bytes/, 'a directory: what it holds');

  const df = JSON.parse(await ok(['df', '--json'])) as { capacity: number; used: number; free: number; files: number; trash: { items: number } };
  const status = JSON.parse(await ok(['status', '--json'])) as { space: { capacity: number } };
  // a disk node's capacity is its file system's (what it holds plus what is free), which moves
  // a little between two calls; the two nodes share one file system, counted once
  const want = status.space.capacity;
  t.ok(Math.abs(df.capacity - want) < want / 100, `df: the live nodes' capacity, a shared file system once (${df.capacity} against ${want})`);
  t.equal(df.free, df.capacity - df.used);
  await ok(['rm', '/tree/odd']);
  const trash = JSON.parse(await ok(['trash', 'list', '--json'])) as { items: TrashItem[] };
  t.equal((JSON.parse(await ok(['df', '--json'])) as { trash: { bytes: number } }).trash.bytes, trash.items[0].bytes, 'df counts what the trash holds');
});

t.test("status: totals, the master's version and uptime, mounts and clients", { skip: fuseUnavailable() }, async (t) => {
  const cl = await spawnCluster(t, { nodes: 2 });
  const mnt = await mount(t, cl);
  const r = await cl.dfs(['status', '--json']);
  const s = JSON.parse(r.stdout) as {
    master: { version: string; commit: string; uptimeMs: number };
    nodes: { capacity: number; used: number; blocks: number }[];
    space?: { capacity: number; used: number };
    totals: { capacity: number; used: number; blocks: number; nodesUp: number; nodes: number };
    mounts: { mountpoint: string; host: string; user: string; version: string; since: number }[];
    clients: { kind: string; current: boolean }[];
  };
  t.match(s.master, { version: /^\d+\.\d+\.\d+$/, commit: /^([0-9a-f]{12}(-dirty)?|unknown)$/ });
  t.ok(s.master.uptimeMs >= 0);
  // the master's own space figure when it gives one (a disk several nodes share counted once), else the nodes' sums
  const space = s.space ?? { capacity: s.nodes.reduce((n, x) => n + x.capacity, 0), used: s.nodes.reduce((n, x) => n + x.used, 0) };
  t.same(
    s.totals,
    {
      capacity: space.capacity,
      used: space.used,
      free: space.capacity - space.used,
      blocks: s.nodes.reduce((n, x) => n + x.blocks, 0),
      nodesUp: 2,
      nodes: 2,
    },
    "totals from the nodes' figures",
  );
  t.match(s.mounts, [{ mountpoint: mnt.dir, user: 'admin', version: /^\d+\.\d+\.\d+ \(commit / }], 'the mount: its mount point, user, version');
  t.ok(s.mounts[0].host.length > 0 && s.mounts[0].since > 0, 'and host and since');
  t.match(s.clients, [{ kind: 'cli', current: true }], 'and this CLI');
  const text = (await cl.dfs(['status'])).stdout;
  t.match(text, /^master ws:\/\/\S+, version \d+\.\d+\.\d+ \(commit \S+\), up \d+ (s|min)\n/, "the master's line");
  t.match(text, /^total\s+2\/2 up\s+\S+ \S+\s+\S+ \S+\s+\d+$/m, 'a totals row');
  t.match(text, new RegExp(`^MOUNT\\s+HOST\\s+USER\\s+VERSION\\s+SINCE\\n${mnt.dir.replace(/[/.]/g, '\\$&')}\\s`, 'm'), 'the mounts table');
});
