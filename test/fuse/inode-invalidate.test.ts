// Changes made elsewhere reach the kernel as invalidations: with the kernel caching entries,
// attributes, absent names and pages for ten minutes (as it may while the master's leases
// hold), a stat, cat or ls in the mount first answers from the kernel's cache without asking
// the backend, and then, right after another session changes the file, shows the change,
// for every kind of change.
import t from 'tap';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountInodeFs, stats, type InodeMount } from '../helpers/inode-mount.js';
import type { RemoteChange } from '../helpers/mem-remote.js';

const skip = fuseUnavailable();
const LONG = { cache: { leased: 600 } };

/**
 * What reaches the backend when the kernel cannot answer from its caches. (A listing always
 * does: the kernel here does not serve one again from its readdir cache.)
 */
async function asked(m: InodeMount): Promise<number> {
  const c = (await stats(m)).calls;
  return (c.lookup ?? 0) + (c.getattr ?? 0) + (c.read ?? 0);
}

interface Case {
  title: string;
  setup: string;
  /** Run twice before the change: the second time is all answered by the kernel (no listing: that always asks). */
  look: string;
  change: RemoteChange;
  /** After the change (default: look again), and what it prints. */
  check?: string;
  after: string;
}

const NOENT = (name: string): string => `stat: cannot statx '${name}': No such file or directory\n`;

const cases: Case[] = [
  {
    title: 'write',
    setup: 'echo hello > f',
    look: 'stat -c %s f; cat f',
    change: { op: 'write', path: '/f', data: 'written elsewhere, longer\n' },
    after: '26\nwritten elsewhere, longer\n',
  },
  { title: 'truncate', setup: 'echo hello > f', look: 'stat -c %s f; cat f', change: { op: 'truncate', path: '/f', size: 2 }, after: '2\nhe' },
  { title: 'chmod', setup: 'echo x > f', look: 'stat -c %a f', change: { op: 'chmod', path: '/f', mode: 0o600 }, after: '600\n' },
  { title: 'chown', setup: 'echo x > f', look: 'stat -c "%u %g" f', change: { op: 'chown', path: '/f', uid: 1234, gid: 5678 }, after: '1234 5678\n' },
  { title: 'utimens', setup: 'echo x > f', look: 'stat -c %Y f', change: { op: 'utimens', path: '/f', mtime: 1e12 }, after: '1000000000\n' },
  {
    title: 'rename',
    setup: 'echo x > f',
    look: 'cat f; stat -c %n g',
    change: { op: 'rename', from: '/f', to: '/g' },
    after: 'cat: f: No such file or directory\ng\n',
  },
  { title: 'unlink', setup: 'echo x > f', look: 'stat -c %n f', change: { op: 'unlink', path: '/f' }, after: NOENT('f') },
  {
    title: 'link',
    setup: 'echo x > f',
    look: 'stat -c %h f; stat -c %n g',
    change: { op: 'link', from: '/f', to: '/g' },
    check: 'stat -c %h f g; ls',
    after: '2\n2\nf\ng\n',
  },
  {
    title: 'create in a directory, of a name looked up in vain before',
    setup: 'mkdir d',
    look: 'cat d/new',
    change: { op: 'write', path: '/d/new', data: 'new\n' },
    check: 'cat d/new; ls d',
    after: 'new\nnew\n',
  },
  {
    title: 'mkdir',
    setup: 'mkdir d',
    look: 'stat -c %h .; stat -c %n e',
    change: { op: 'mkdir', path: '/e' },
    check: 'stat -c %h . e; ls',
    after: '4\n2\nd\ne\n',
  },
  { title: 'rmdir', setup: 'mkdir d e', look: 'stat -c "%n %h" e .', change: { op: 'rmdir', path: '/e' }, check: 'stat -c %h .; stat -c %n e; ls', after: `3\n${NOENT('e')}d\n` },
];

for (const c of cases) {
  t.test(`a ${c.title} made elsewhere shows at once, though the kernel caches for minutes`, { skip }, async (t) => {
    const m = await mountInodeFs(t, LONG);
    await sh(c.setup, { cwd: m.dir });
    // twice: a read from the file system makes the kernel ask for the atime at the next stat
    await sh(c.look, { cwd: m.dir });
    await sh(c.look, { cwd: m.dir });
    const before = await asked(m);
    const cached = await sh(`{ ${c.look}; } 2>&1`, { cwd: m.dir });
    t.equal(await asked(m), before, `answered from the kernel's caches: ${cached.stdout.replace(/\n/g, '|')}`);
    await m.ask({ cmd: 'remote', change: c.change });
    const after = await sh(`{ ${c.check ?? c.look}; } 2>&1`, { cwd: m.dir });
    t.equal(after.stdout, c.after);
    t.ok((await stats(m)).fs.cache.heard > 0, 'the mount heard of the change');
  });
}

t.test('an invalidation the kernel cannot take yet (a mkdir in that directory waits for the backend) holds nothing else up', { skip }, async (t) => {
  const m = await mountInodeFs(t, LONG);
  await sh('mkdir d; echo x > other; stat d/y 2>/dev/null', { cwd: m.dir });
  await m.ask({ cmd: 'hold', op: 'mkdir' });
  // the kernel holds d's lock until this mkdir is answered; an invalidation of a name in d needs it
  const mkdir = sh('mkdir d/x', { cwd: m.dir });
  await m.event('held', (e) => e.op === 'mkdir');
  await m.ask({ cmd: 'remote', change: { op: 'write', path: '/d/y', data: 'y\n' } });
  const other = await sh('cat other; stat -c %s other; ls', { cwd: m.dir });
  t.equal(other.stdout, 'x\n2\nd\nother\n', 'the mount answers meanwhile');
  await m.ask({ cmd: 'release', op: 'mkdir' });
  t.equal((await mkdir).code, 0);
  t.equal((await sh('ls d; cat d/y', { cwd: m.dir })).stdout, 'x\ny\ny\n', 'and then the name made elsewhere shows');
});
