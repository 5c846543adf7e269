// A low-level session's life: mounted and unmounted cleanly (by SIGTERM, by someone else's
// umount, by process.exit), answers in flight at the unmount, a killed daemon's stale mount
// and the two ways it goes (cleared by the next mount, or by auto_unmount's watchdog), and
// the errors of a mount that cannot be made or a file system that misbehaves.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, isMounted, sh } from '../helpers/mount.js';
import { mountMemFs } from '../helpers/lowlevel-mount.js';
import { clearStaleMount } from '../../src/fuse/mounts.js';

const skip = fuseUnavailable();

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('SIGTERM unmounts cleanly, and the session refuses what comes after', { skip }, async (t) => {
  const m = await mountMemFs(t);
  t.ok(isMounted(m.dir));
  t.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${m.dir} .* - fuse `), 'a plain fuse mount');
  t.equal(await m.stop('SIGTERM'), 0, 'the daemon exits 0');
  t.notOk(isMounted(m.dir), 'the mount is gone');
  t.match(await m.event('ended'), { by: 'unmount', errno: 0, notifyAfterEnd: 'ENOTCONN' });
});

t.test('fsname and subtype reach the mount table', { skip }, async (t) => {
  const m = await mountMemFs(t, { mount: { options: ['fsname=memfs,with,commas', 'subtype=ll'] } });
  const line = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.includes(` ${m.dir} `));
  t.match(line, / - fuse\.ll memfs,with,commas /, 'one option each, commas and all');
});

t.test('unmounted by someone else: the session ends by itself and the daemon exits', { skip }, async (t) => {
  const m = await mountMemFs(t);
  t.equal((await sh(`umount ${m.dir}`)).code, 0);
  t.match(await m.event('ended'), { by: 'kernel' });
  t.equal(await m.stop(), 0);
  t.notOk(isMounted(m.dir));
});

t.test('process.exit() while mounted leaves no mount behind', { skip }, async (t) => {
  const m = await mountMemFs(t);
  void m.ask({ cmd: 'exit', code: 7 }).catch(() => undefined);
  t.equal(await m.stop('SIGCONT'), 7);
  t.notOk(isMounted(m.dir), 'unmounted on the way out');
});

t.test('requests still unanswered at the unmount get EIO', { skip }, async (t) => {
  const m = await mountMemFs(t);
  await m.ask({ cmd: 'hold', key: 'lookup:pending' });
  const caller = sh('stat pending', { cwd: m.dir });
  await m.event('held', (e) => e.key === 'lookup:pending');
  await m.ask({ cmd: 'unmount' });
  const r = await caller;
  t.not(r.code, 0);
  t.match(r.stderr, /Input\/output error|Transport endpoint is not connected|No such file/);
  t.notOk(isMounted(m.dir));
});

t.test('a killed daemon leaves a stale mount (ENOTCONN), which the next mount clears', { skip }, async (t) => {
  const dir = path.join(tempDir(t, 'dfs-llmnt-'), 'mnt');
  const first = await mountMemFs(t, {}, { dir });
  first.proc.kill('SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  t.ok(isMounted(dir), 'the mount outlives its daemon');
  t.match((await sh(`stat ${dir}`)).stderr, /Transport endpoint is not connected/);
  const log: string[] = [];
  await clearStaleMount(dir, (l) => log.push(l));
  t.notOk(isMounted(dir), 'cleared');
  t.match(log.join('\n'), /stale mount/);
  const second = await mountMemFs(t, {}, { dir });
  t.equal((await sh('echo again > f && cat f', { cwd: second.dir })).stdout, 'again\n', 'a new mount serves there');
});

t.test('with auto_unmount, fusermount3 removes the mount of a killed daemon by itself', { skip }, async (t) => {
  const m = await mountMemFs(t, { mount: { options: ['auto_unmount'] } });
  m.proc.kill('SIGKILL');
  // fusermount3's watcher notices the closed session; on a loaded machine that took over 10 s
  await until('the mount is gone', () => !isMounted(m.dir), 60_000);
  t.pass('gone without anyone unmounting it');
});

t.test('a mount that cannot be made says why', { skip }, async (t) => {
  const base = tempDir(t, 'dfs-llmnt-');
  await t.rejects(mountMemFs(t, {}, { dir: path.join(base, 'missing'), create: false }), /"code":"ENOENT"/);
  fs.writeFileSync(path.join(base, 'file'), '');
  await t.rejects(mountMemFs(t, {}, { dir: path.join(base, 'file'), create: false }), /"code":"ENOTDIR"/);
  await t.rejects(mountMemFs(t, { mount: { options: ['no_such_option'] } }), /"code":"EIO".*unknown option.*no_such_option/);
});

t.test('an operation that fails without an errno, or answers nonsense, answers EIO and is logged', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { faults: { boom: 'throws', bad: 'malformed' } } });
  const r = await sh('stat boom; stat bad; echo still > ok && cat ok', { cwd: m.dir });
  t.match(r.stderr, /boom.*Input\/output error/);
  t.match(r.stderr, /bad.*Input\/output error/);
  t.equal(r.stdout, 'still\n', 'and the file system goes on');
  await until('both are logged', () => /a bug in lookup\(boom\)/.test(m.stderr()) && /FUSE lookup failed unexpectedly/.test(m.stderr()));
  t.match(m.stderr(), /TypeError/, 'the malformed answer too');
});
