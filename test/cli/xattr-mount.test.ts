// `dfs xattr` and a real mount seeing each other's extended attributes: getfattr and
// setfattr on the mount, the CLI without one.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount } from '../helpers/mount.js';
import { checks } from './xattr-checks.js';

const skipFuse = fuseUnavailable();

t.test('the mount sees what the CLI sets, and the CLI what the mount sets', { skip: skipFuse }, async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const { ok, fails } = checks(t, cl.dfs);
  const m = await mount(t, cl);
  t.equal((await m.sh('echo data > f && ln -s f l && mkdir d e')).code, 0);

  // CLI → mount
  await ok(['xattr', 'set', '/f', 'user.cli', 'from the cli']);
  await ok(['xattr', 'set', '/d', 'user.dir', '0x0001ff']);
  t.equal((await m.sh('getfattr --only-values -n user.cli f')).stdout, 'from the cli', 'getfattr on the mount reads what the CLI set');
  t.equal((await m.sh('getfattr -e hex -n user.dir d')).stdout, '# file: d\nuser.dir=0x0001ff\n\n');
  await ok(['xattr', 'rm', '/f', 'user.cli']);
  t.match((await m.sh('getfattr -n user.cli f')).stderr, /No such attribute/, 'and that the CLI removed it');

  // mount → CLI, through a symlink (followed, as getfattr does; -h for the link itself)
  t.equal((await m.sh('setfattr -n user.m -v mounted f')).code, 0);
  t.equal(await ok(['xattr', 'get', '/f', 'user.m']), 'mounted', 'the CLI reads what setfattr set on the mount');
  t.equal(await ok(['xattr', 'get', '/l', 'user.m']), 'mounted', 'through a symlink');
  t.equal(await ok(['xattr', 'list', '-h', '/l']), '', '-h: the link itself has none');
  await fails(['xattr', 'set', '-h', '/l', 'user.x', '1'], 'dfs: user attributes are kept on files and directories only: user.x of /l (EPERM)\n');
  t.match((await m.sh("python3 -c \"import os; os.setxattr('l', 'user.x', b'1', follow_symlinks=False)\"")).stderr, /Operation not permitted/, 'as the mount says');
  t.equal((await m.sh('setfattr -x user.m f')).code, 0);
  await fails(['xattr', 'get', '/f', 'user.m'], 'dfs: no such attribute: user.m of /f (ENODATA)\n');

  // the same dump as getfattr's, in each encoding, and a dump's values set again mean the same bytes
  const values: [string, Buffer][] = [
    ['user.text', Buffer.from('plain text')],
    ['user.quote', Buffer.from('say "hi" \\ there\n')],
    ['user.cstr', Buffer.from('abc\0')],
    ['user.utf8', Buffer.from('é, ü and more text')],
    ['user.binary', Buffer.from([0, 1, 2, 0x7f, 0x0d])],
    ['user.empty', Buffer.alloc(0)],
  ];
  for (const [name, v] of values) await ok(['xattr', 'set', '/f', name, '-'], v);
  for (const e of [[], ['-e', 'text'], ['-e', 'hex'], ['-e', 'base64']]) {
    const theirs = (await m.sh(`getfattr -d ${e.join(' ')} f`)).stdout;
    t.equal(
      await ok(['xattr', 'list', '-d', ...e, '/f']),
      theirs.replace(/^# file: f\n/, '').replace(/\n$/, ''),
      `list -d ${e.join(' ')} prints what getfattr -d ${e.join(' ')} prints`,
    );
  }
  // the text dump (the hardest to read back) set again on another inode: the same bytes
  for (const line of (await ok(['xattr', 'list', '-d', '-e', 'text', '/f'])).split('\n').filter(Boolean)) {
    const eq = line.indexOf('=');
    await ok(['xattr', 'set', '/e', line.slice(0, eq), line.slice(eq + 1)]);
  }
  const hexOf = async (file: string): Promise<string> => (await m.sh(`getfattr -d -e hex ${file}`)).stdout.replace(/^# file: .*\n/, '');
  // but for a C string's NUL, which a text dump leaves out as getfattr's does
  t.equal(await hexOf('e'), (await hexOf('f')).replace('user.cstr=0x61626300', 'user.cstr=0x616263'), 'a text dump read back by set');
});
