// Special files at the master (fs.mknod): FIFOs, sockets and devices are inodes with their
// type, mode and device number, listed, stat'ed, renamed, linked and removed like any file;
// devices only by an admin (CAP_MKNOD on Linux); their bytes are no business of dfs's. They
// outlive a restart (the journal's mknod record and the snapshot carry the number), and the
// CLI shows them as ls -l and stat do.
import t from 'tap';
import { attrOf } from '../../src/master/namespace.js';
import { MetadataStore } from '../../src/master/persistence.js';
import type { MutationRecord } from '../../src/master/records.js';
import { MasterState } from '../../src/master/state.js';
import type { FileType } from '../../src/protocol/types.js';
import { localCluster, spawnCluster, tempDir } from '../helpers/cluster.js';
import { code } from '../helpers/bytes.js';
import { dumpState, stateOf } from '../helpers/master-state.js';

// 0x0701 is makedev(7, 1); 0x103c8 is makedev(7, 968), whose minor needs the high bits
const DEV_7_1 = 0x0701;
const DEV_7_968 = (7 << 8) | 0xc8 | (0x3 << 20);

t.test('fs.mknod: each kind with its S_IF* bits and number, used as any other file', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  const c = cluster.admin;
  await c.mkdir('/d', 0o755);
  const fifo = await c.mknod('/d/fifo', 'fifo', 0o640);
  const sock = await c.mknod('/d/sock', 'socket', 0o755);
  const chr = await c.mknod('/d/chr', 'char', 0o600, DEV_7_1);
  const blk = await c.mknod('/d/blk', 'block', 0o660, DEV_7_968);
  const reg = await c.mknod('/d/reg', 'file', 0o644);
  t.same(
    [fifo, sock, chr, blk, reg].map((a) => [a.type, a.mode.toString(8), a.rdev ?? 0, a.size, a.nlink]),
    [
      ['fifo', '10640', 0, 0, 1],
      ['socket', '140755', 0, 0, 1],
      ['char', '20600', DEV_7_1, 0, 1],
      ['block', '60660', DEV_7_968, 0, 1],
      ['file', '100644', 0, 0, 1],
    ],
  );
  t.equal((await c.getattr('/d/fifo')).type, 'fifo');
  t.same((await c.readdir('/d')).map((e) => [e.name, e.attr.type]).sort(), [
    ['blk', 'block'],
    ['chr', 'char'],
    ['fifo', 'fifo'],
    ['reg', 'file'],
    ['sock', 'socket'],
  ]);
  // a FIFO opened through the master (dfs get, not the kernel) has no bytes to give
  t.equal(await code(c.openFile('/d/fifo', { read: true, write: false })), 'ENXIO');
  const file = await c.openFile('/d/reg', { read: true, write: true });
  await file.write(0, Buffer.from('mknod makes a real file'));
  await file.close();
  t.equal((await c.getattr('/d/reg')).size, 23, 'S_IFREG through mknod is a regular file, with a key');

  t.equal(await code(c.mknod('/d/fifo', 'fifo', 0o644)), 'EEXIST');
  t.equal(await code(c.mknod('/d/x', 'dir', 0o755)), 'EINVAL', 'mknod makes no directory');
  t.equal(await code(c.callRaw('fs.mknod', { path: '/d/x', type: 'toString', mode: 0o644 })), 'EINVAL', 'a type that is no kind of file');
  t.equal(await code(c.callRaw('fs.mknod', { path: '/d/x', type: 'char', mode: 0o644, rdev: 2 ** 32 })), 'EINVAL', 'a number wider than the wire');
  t.equal(await code(c.mknod('/nope/x', 'fifo', 0o644)), 'ENOENT');

  await c.rename('/d/chr', '/d/chr2');
  await c.link('/d/chr2', '/d/chr3');
  const linked = await c.getattr('/d/chr3');
  t.same([linked.type, linked.nlink, linked.rdev], ['char', 2, DEV_7_1], 'renamed and linked, the number kept');
  await c.chmod('/d/fifo', 0o600);
  t.equal((await c.getattr('/d/fifo')).mode, 0o010600, 'chmod keeps the type bits');
  for (const n of ['fifo', 'sock', 'chr2', 'chr3', 'blk', 'reg']) await c.unlink(`/d/${n}`);
  await c.rmdir('/d');
});

t.test('devices take an admin; a FIFO or socket, only write permission on the directory', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  await cluster.admin.addUser('alice', 'alice-password-1');
  const alice = await cluster.client('alice', 'alice-password-1');
  await cluster.admin.mkdir('/home', 0o777);
  t.equal((await alice.mknod('/home/fifo', 'fifo', 0o644)).uid, (await alice.whoami()).uid, 'her FIFO is hers');
  await alice.mknod('/home/sock', 'socket', 0o755);
  t.equal(await code(alice.mknod('/home/dev', 'char', 0o644, DEV_7_1)), 'EPERM');
  t.equal(await code(alice.mknod('/home/blk', 'block', 0o644, DEV_7_1)), 'EPERM');
  await cluster.admin.mkdir('/locked', 0o755);
  t.equal(await code(alice.mknod('/locked/fifo', 'fifo', 0o644)), 'EACCES');
});

t.test('special files outlive a restart: from the journal, and from the snapshot', async (t) => {
  const dir = tempDir(t);
  const time = 1_700_000_000_000;
  const node = (ino: number, name: string, type: FileType, mode: number, rdev?: number): MutationRecord => ({
    op: 'mknod',
    ino,
    parent: 1,
    name,
    type,
    mode,
    uid: 0,
    gid: 0,
    time,
    replicas: 1,
    ...(rdev ? { rdev } : {}),
  });
  const batches: MutationRecord[][] = [
    [{ op: 'format', time, blockSize: 4096, replicas: 1 }],
    [node(2, 'b', 'block', 0o644, DEV_7_968), node(3, 'c', 'char', 0o600, DEV_7_1), node(4, 'f', 'fifo', 0o644), node(5, 's', 'socket', 0o755)],
  ];
  const want = [
    ['b', 'block', 0o060644, DEV_7_968],
    ['c', 'char', 0o020600, DEV_7_1],
    ['f', 'fifo', 0o010644, 0],
    ['s', 'socket', 0o140755, 0],
  ];
  const seen = (s: MasterState): unknown[] =>
    [...s.ns.get(1)!.entries!]
      .map(([name, ino]) => {
        const a = attrOf(s.ns.get(ino)!);
        return [name, a.type, a.mode, a.rdev ?? 0];
      })
      .sort();
  const open = async (): Promise<{ state: MasterState; store: MetadataStore }> => {
    const state = new MasterState();
    return { state, store: (await MetadataStore.open(dir, state)).store };
  };
  const a = await open();
  for (const b of batches) {
    for (const r of b) a.state.apply(r);
    await a.store.append(b);
  }
  t.same(seen(a.state), want, 'made');
  await a.store.close();
  const b = await open();
  t.same(seen(b.state), want, 'replayed from the journal');
  await b.store.checkpoint({ inProcess: true });
  await b.store.close();
  const c = await open();
  t.same(seen(c.state), want, 'loaded from the snapshot');
  t.same(dumpState(c.state), dumpState(stateOf(batches)), 'the whole state, as the records make it');
  await c.store.close();
});

t.test('dfs ls -l and dfs stat show the kind, and a device its number', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const c = await cl.client();
  await c.mknod('/fifo', 'fifo', 0o644);
  await c.mknod('/sock', 'socket', 0o755);
  await c.mknod('/tty', 'char', 0o620, DEV_7_1);
  await c.mknod('/disk', 'block', 0o660, DEV_7_968);
  const ls = await cl.dfs(['ls', '-l', '/']);
  t.equal(ls.code, 0, ls.stderr);
  const rows = ls.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/));
  t.same(
    rows.map((r) => [r[0], r.at(-1)]),
    [
      ['brw-rw----', 'disk'],
      ['prw-r--r--', 'fifo'],
      ['srwxr-xr-x', 'sock'],
      ['crw--w----', 'tty'],
    ],
  );
  t.match(ls.stdout, /^brw-rw---- .* 7, 968 .*disk$/m, 'a device shows "major, minor" where a file shows its size');
  const st = await cl.dfs(['stat', '/tty']);
  t.match(st.stdout, /^type +char$/m);
  t.match(st.stdout, /^device +7, 1$/m);
  t.match(st.stdout, /^mode +0620 \(crw--w----\)$/m);
});
