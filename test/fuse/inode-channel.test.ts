// The channel to the master breaks: the mount takes back everything the kernel caches
// (names, absent names, attributes, pages), since no invalidation would come for what
// changes meanwhile, and answers with short timeouts until the channel is back; then long
// ones again. The in-memory backend loses the invalidations meant for a mount whose
// channel is cut, as the master could not deliver them.
import t from 'tap';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { calls, mountInodeFs, stats, type InodeMount } from '../helpers/inode-mount.js';

const skip = fuseUnavailable();
const CACHE = { cache: { leased: 600, unleased: 0.5 } };
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

async function asked(m: InodeMount): Promise<number> {
  const c = (await stats(m)).calls;
  return (c.lookup ?? 0) + (c.getattr ?? 0) + (c.read ?? 0);
}

const LOOK = 'stat -c "%n %a %s" f gone; cat f; stat -c %n new';

t.test('when the channel breaks, what the kernel cached is taken back: changes lost meanwhile show at once', { skip }, async (t) => {
  const m = await mountInodeFs(t, CACHE);
  await sh('echo cached > f; echo x > gone', { cwd: m.dir });
  await sh(LOOK, { cwd: m.dir });
  await sh(LOOK, { cwd: m.dir });
  const before = await asked(m);
  const cached = await sh(`{ ${LOOK}; } 2>&1`, { cwd: m.dir });
  t.equal(cached.stdout, "f 644 7\ngone 644 2\ncached\nstat: cannot statx 'new': No such file or directory\n");
  t.equal(await asked(m), before, "all from the kernel's caches");

  await m.ask({ cmd: 'channel', up: false });
  for (const change of [
    { op: 'chmod', path: '/f', mode: 0o600 },
    { op: 'write', path: '/f', data: 'changed while the channel was down\n' },
    { op: 'unlink', path: '/gone' },
    { op: 'write', path: '/new', data: '' },
  ] as const) {
    await m.ask({ cmd: 'remote', change });
  }
  const s = await stats(m);
  t.ok(s.lost > 0, `the mount never heard of them (${s.lost} invalidations lost)`);
  t.equal(s.fs.cache.breaks, 1);
  const after = await sh(`{ ${LOOK}; } 2>&1`, { cwd: m.dir });
  t.equal(after.stdout, "f 600 35\nstat: cannot statx 'gone': No such file or directory\nchanged while the channel was down\nnew\n");
});

t.test('while the channel is down answers are cached briefly; once it is back, for long again', { skip }, async (t) => {
  const m = await mountInodeFs(t, CACHE);
  await sh('echo x > f', { cwd: m.dir });
  await m.ask({ cmd: 'channel', up: false });
  await sh('stat f >/dev/null', { cwd: m.dir });
  const g0 = (await calls(m, 'getattr')) + (await calls(m, 'lookup'));
  await sh('stat f >/dev/null', { cwd: m.dir });
  t.equal((await calls(m, 'getattr')) + (await calls(m, 'lookup')), g0, 'within the short timeout: from the kernel');
  await m.ask({ cmd: 'remote', change: { op: 'chmod', path: '/f', mode: 0o640 } });
  await sleep(800);
  const r = await sh('stat -c %a f', { cwd: m.dir });
  t.equal(r.stdout, '640\n', 'past it, a change nobody announced shows');

  await m.ask({ cmd: 'channel', up: true });
  await sleep(600); // what the kernel was told while it was down expires
  await sh('stat f >/dev/null', { cwd: m.dir });
  await sleep(800); // past the short timeout, well within the long one
  const g1 = (await calls(m, 'getattr')) + (await calls(m, 'lookup'));
  await sh('stat f >/dev/null', { cwd: m.dir });
  t.equal((await calls(m, 'getattr')) + (await calls(m, 'lookup')), g1, 'the channel is back: cached for long');
  t.equal((await stats(m)).fs.cache.channelUp, true);
});
