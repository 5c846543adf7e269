// The caller's identity reaches each operation on the low-level binding: uid, gid and pid
// with every request, supplementary groups when asked for. Commands run as another user
// with setpriv(1); the mount has allow_other, without which the kernel turns them away.
import fs from 'node:fs';
import t from 'tap';
import { tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountMemFs } from '../helpers/lowlevel-mount.js';
import type { CallerContext } from '../helpers/lowlevel-memfs.js';

const skip = fuseUnavailable() ?? (process.getuid?.() === 0 ? undefined : 'needs root, to run commands as other users');

t.test('uid, gid, pid and supplementary groups of the caller reach the file system', { skip }, async (t) => {
  const m = await mountMemFs(t, { mount: { options: ['allow_other'] }, record: ['create', 'mkdir'] });
  const r = await sh(`chmod 777 . && setpriv --reuid=1234 --regid=5678 --groups=100,200,300 sh -c 'echo $$ > owned; mkdir dir'`, { cwd: m.dir });
  t.equal(r.code, 0, r.stderr);
  const { contexts } = await m.ask<{ contexts: CallerContext[] }>({ cmd: 'stats' });
  const create = contexts.find((c) => c.op === 'create');
  const mkdir = contexts.find((c) => c.op === 'mkdir');
  t.match(create, { uid: 1234, gid: 5678, groups: [100, 200, 300] });
  t.match(mkdir, { uid: 1234, gid: 5678, groups: [100, 200, 300] });
  // the shell's pid went into the file; the create came from that shell (echo is a builtin)
  const shellPid = Number((await sh('cat owned', { cwd: m.dir })).stdout);
  t.equal(create?.pid, shellPid, 'the pid is the calling process');
  t.equal((await sh('stat -c %u:%g owned dir', { cwd: m.dir })).stdout, '1234:5678\n1234:5678\n', "the file system made them the caller's");
  // root, for comparison
  await sh('touch mine', { cwd: m.dir });
  const mine = (await m.ask<{ contexts: CallerContext[] }>({ cmd: 'stats' })).contexts.at(-1);
  t.match(mine, { op: 'create', uid: 0, gid: 0 });
});

t.test('without allow_other, the kernel keeps other users out before the file system is asked', { skip }, async (t) => {
  const m = await mountMemFs(t, { record: ['lookup'] });
  const r = await sh(`setpriv --reuid=1234 --regid=1234 --clear-groups ls ${m.dir} 2>&1`);
  t.not(r.code, 0);
  t.match(r.stdout, /Permission denied/);
  const { contexts } = await m.ask<{ contexts: CallerContext[] }>({ cmd: 'stats' });
  t.notOk(
    contexts.some((c) => c.uid === 1234),
    'no request from uid 1234 reached it',
  );
});

t.test('a write by another user drops set-user-ID, as on a local file system (the kernel does it: no handle_killpriv)', { skip }, async (t) => {
  const m = await mountMemFs(t, { mount: { options: ['allow_other'] } });
  const local = tempDir(t, 'dfs-ll-local-');
  fs.chmodSync(local, 0o777);
  const script = `: > f && chmod 6777 f && setpriv --reuid=1234 --regid=1234 --clear-groups sh -c 'echo more >> f' && stat -c %a f`;
  const mnt = await sh(`chmod 777 . && ${script}`, { cwd: m.dir });
  const there = await sh(script, { cwd: local });
  t.equal(mnt.stdout, there.stdout, `${mnt.stderr}${there.stderr}`);
  t.equal(mnt.stdout, '777\n', 'set-user-ID and set-group-ID dropped');
});
