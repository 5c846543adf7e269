// `dfs xattr` through the built bin/dfs: set, get, list and rm with their flags, the values in
// getfattr's encodings and read in setfattr's, each failure one line with its errno, Linux's
// rules for another user (user.* needs write permission, trusted.* and security.* are the
// admin's), and a mount and the CLI seeing each other's attributes.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { runDfs, spawnCluster, tempDir, type RunResult } from '../helpers/cluster.js';
import { fuseUnavailable, mount } from '../helpers/mount.js';

const skipFuse = fuseUnavailable();

/** The runner's checks: `ok` must exit 0 and answers stdout; `fails` must exit `code` with exactly `stderr`. */
function checks(t: Test, dfs: (args: string[], input?: string | Buffer) => Promise<RunResult>) {
  return {
    ok: async (args: string[], input?: string | Buffer): Promise<string> => {
      const r = await dfs(args, input);
      t.equal(r.code, 0, `dfs ${args.join(' ')} exits 0${r.stderr ? `: ${r.stderr}` : ''}`);
      return r.stdout;
    },
    fails: async (args: string[], stderr: string | RegExp, code = 1, input?: string | Buffer): Promise<void> => {
      const r = await dfs(args, input);
      t.equal(r.code, code, `dfs ${args.join(' ')} exits ${code}`);
      if (typeof stderr === 'string') t.equal(r.stderr, stderr, `dfs ${args.join(' ')} says why`);
      else t.match(r.stderr, stderr, `dfs ${args.join(' ')} says why`);
      t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
    },
  };
}

t.test('set, get, list and rm, their flags and encodings, their errors', async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const { ok, fails } = checks(t, cl.dfs);
  await ok(['put', '-', '/f'], 'data\n');
  await ok(['mkdir', '/d']);

  await ok(['xattr', 'set', '/f', 'user.a', 'one']);
  t.equal(await ok(['xattr', 'get', '/f', 'user.a']), 'one', 'get: the bytes as they are, as getfattr --only-values');
  await ok(['xattr', 'set', '/f', 'user.bin', '0x00ff0a']);
  t.equal(await ok(['xattr', 'get', '-e', 'hex', '/f', 'user.bin']), '0x00ff0a\n', 'set takes 0x hex; get -e hex');
  t.equal(await ok(['xattr', 'get', '--encoding', 'base64', '/f', 'user.bin']), '0sAP8K\n', 'get -e base64');
  await ok(['xattr', 'set', '/f', 'user.q', '-'], 'a"b\\c\nd');
  t.equal(await ok(['xattr', 'get', '-e', 'text', '/f', 'user.q']), '"a\\"b\\\\c\\012d"\n', 'stdin with -; get -e text escapes as getfattr');
  await ok(['xattr', 'set', '/f', 'user.esc', '"\\101\\\\\\"x"']);
  t.equal(await ok(['xattr', 'get', '/f', 'user.esc']), 'A\\"x', 'quoted text with \\ooo, \\\\ and \\" as setfattr reads it');
  await ok(['xattr', 'set', '/f', 'user.b64', '0sYWJj']);
  await ok(['xattr', 'set', '/f', 'user.empty', '']);
  const local = path.join(tempDir(t), 'value.bin');
  fs.writeFileSync(local, Buffer.from([1, 2, 3, 0]));
  await ok(['xattr', 'set', '--file', local, '/f', 'user.file']);

  // sorted by name, as getfattr lists them
  t.equal(await ok(['xattr', 'list', '/f']), 'user.a\nuser.b64\nuser.bin\nuser.empty\nuser.esc\nuser.file\nuser.q\n', 'list: names, one a line');
  t.equal(
    await ok(['xattr', 'list', '-d', '/f']),
    'user.a="one"\nuser.b64="abc"\nuser.bin=0sAP8K\nuser.empty=""\nuser.esc="A\\\\\\"x"\nuser.file=0sAQIDAA==\nuser.q=0sYSJiXGMKZA==\n',
    'list -d: name="value", text unless more than one byte in eight is not printable, else base64; 0s base64 and --file set',
  );
  t.match(await ok(['xattr', 'ls', '--values', '-e', 'hex', '/f']), /^user\.a=0x6f6e65\nuser\.b64=0x616263\nuser\.bin=0x00ff0a\n/, 'list --values -e hex');

  // XATTR_CREATE and XATTR_REPLACE
  await fails(['xattr', 'set', '--create', '/f', 'user.a', 'two'], 'dfs: attribute exists: user.a of /f (EEXIST)\n');
  await ok(['xattr', 'set', '--create', '/f', 'user.new', 'made']);
  await fails(['xattr', 'set', '--replace', '/f', 'user.none', 'x'], 'dfs: no such attribute: user.none of /f (ENODATA)\n');
  await ok(['xattr', 'set', '--replace', '/f', 'user.a', 'replaced']);

  // rm, of one or several
  await ok(['xattr', 'rm', '/f', 'user.a']);
  await fails(['xattr', 'get', '/f', 'user.a'], 'dfs: no such attribute: user.a of /f (ENODATA)\n');
  await fails(['xattr', 'rm', '/f', 'user.a'], 'dfs: no such attribute: user.a of /f (ENODATA)\n');
  await ok(['xattr', 'rm', '/f', 'user.bin', 'user.q']);
  t.notMatch(await ok(['xattr', 'list', '/f']), /user\.(a|bin|q)\n/, 'rm of several names');

  // directories, and paths through `..`
  await ok(['xattr', 'set', '/d', 'user.dir', 'yes']);
  t.equal(await ok(['xattr', 'get', '/d/../d', 'user.dir']), 'yes', 'on a directory');

  // the limits: a value of 64 KiB, a name of 255 bytes
  await ok(['xattr', 'set', '/f', 'user.max', '-'], 'v'.repeat(65536));
  await fails(['xattr', 'set', '/f', 'user.big', '-'], 'dfs: attribute value too large (at most 65536 bytes): user.big of /f (E2BIG)\n', 1, 'v'.repeat(65537));
  await ok(['xattr', 'set', '/f', `user.${'n'.repeat(250)}`, 'v']);
  await fails(['xattr', 'set', '/f', `user.${'n'.repeat(251)}`, 'v'], 'dfs: attribute name too long (256 bytes, at most 255): user.nnnnnnnnnnnnnnnnnnn… (ERANGE)\n');

  // what is not there, and what is not an attribute name
  await fails(['xattr', 'get', '/nope', 'user.a'], 'dfs: no such file or directory: /nope (ENOENT)\n');
  await fails(['xattr', 'set', '/f/x', 'user.a', '1'], 'dfs: not a directory: /f (ENOTDIR)\n');
  await fails(['xattr', 'set', '/f', 'comment', 'x'], 'dfs: not an attribute name dfs keeps: comment (ENOTSUP)\n');
  const missingLocal = path.join(path.dirname(local), 'missing');
  await fails(['xattr', 'set', '--file', missingLocal, '/f', 'user.a'], `dfs: no such local file: ${missingLocal} (ENOENT)\n`);

  // usage mistakes exit 2
  await fails(['xattr', 'set', '/f', 'user.a'], 'dfs: give a VALUE, - to read it from stdin, or --file FILE\n', 2);
  await fails(['xattr', 'set', '--file', local, '/f', 'user.a', 'x'], 'dfs: give a VALUE or --file, not both\n', 2);
  await fails(['xattr', 'set', '--create', '--replace', '/f', 'user.a', 'x'], 'dfs: give --create or --replace, not both\n', 2);
  await fails(['xattr', 'set', '/f', 'user.a', '0x123'], /^dfs: bad value encoding .*: 0x123\n$/, 2);
  await fails(['xattr', 'get', '-e', 'octal', '/f', 'user.a'], 'dfs: encoding must be one of text, hex, base64: octal\n', 2);
  await fails(['xattr', 'list', '-e', 'hex', '/f'], 'dfs: --encoding is for the values: give -d too\n', 2);

  const completion = await runDfs(['completion', 'bash'], process.env);
  t.match(completion.stdout, /'xattr '\) words='list get set rm /, 'shell completion knows the subcommands');
});

t.test("another user: Linux's rules, as the master keeps them", async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const admin = checks(t, cl.dfs);
  const bobEnv = { ...cl.env, DFS_CONFIG_DIR: path.join(tempDir(t), 'bob') };
  const bob = checks(t, (args, input) => runDfs(args, bobEnv, input));
  await admin.ok(['user', 'add', 'bob', '--password-stdin'], 'bob-password\n');
  await bob.ok(['login', '--master', cl.url, '--user', 'bob', '--password-stdin'], 'bob-password\n');

  await admin.ok(['put', '-', '/f'], 'data\n'); // the admin's, 0644
  await admin.ok(['xattr', 'set', '/f', 'user.a', 'x']);
  await admin.ok(['xattr', 'set', '/f', 'trusted.t', 'secret']);
  await admin.ok(['xattr', 'set', '/f', 'security.s', 'label']);
  t.equal(await admin.ok(['xattr', 'list', '/f']), 'security.s\ntrusted.t\nuser.a\n', 'the admin lists trusted.* too');
  t.equal(await admin.ok(['xattr', 'get', '/f', 'trusted.t']), 'secret');

  // user.*: read with read permission, set and removed with write permission
  t.equal(await bob.ok(['xattr', 'get', '/f', 'user.a']), 'x', 'another user reads user.* of a file they may read');
  await bob.fails(['xattr', 'set', '/f', 'user.a', 'mine'], 'dfs: permission denied: set user.a of /f (EACCES)\n');
  await bob.fails(['xattr', 'set', '/f', 'user.b', 'mine'], 'dfs: permission denied: set user.b of /f (EACCES)\n');
  await bob.fails(['xattr', 'rm', '/f', 'user.a'], 'dfs: permission denied: remove user.a of /f (EACCES)\n');
  // trusted.*: hidden from others, as if absent; security.*: read by anyone, set by the admin
  t.equal(await bob.ok(['xattr', 'list', '/f']), 'security.s\nuser.a\n', 'trusted.* is not listed for another user');
  await bob.fails(['xattr', 'get', '/f', 'trusted.t'], 'dfs: no such attribute: trusted.t of /f (ENODATA)\n');
  t.equal(await bob.ok(['xattr', 'get', '/f', 'security.s']), 'label');
  t.equal(await bob.ok(['xattr', 'list', '-d', '/f']), 'security.s="label"\nuser.a="x"\n', 'list -d of what the user sees');

  // on bob's own file: user.* is his, trusted.* and security.* still the admin's
  await admin.ok(['mkdir', '/bob']);
  await admin.ok(['chown', 'bob', '/bob']);
  await bob.ok(['put', '-', '/bob/mine'], 'his\n');
  await bob.ok(['xattr', 'set', '/bob/mine', 'user.note', 'his own']);
  await bob.fails(['xattr', 'set', '/bob/mine', 'trusted.t', 'x'], "dfs: trusted attributes are the superuser's: trusted.t of /bob/mine (EPERM)\n");
  await bob.fails(['xattr', 'set', '/bob/mine', 'security.s', 'x'], 'dfs: security attributes are set by the superuser: security.s of /bob/mine (EPERM)\n');
  await admin.ok(['xattr', 'set', '/bob/mine', 'trusted.t', 'admin only']);
  t.equal(await bob.ok(['xattr', 'list', '/bob/mine']), 'user.note\n');
  t.equal(await admin.ok(['xattr', 'get', '/bob/mine', 'user.note']), 'his own', 'the admin reads it');

  // the path's directories need search permission, and say so as other commands do
  await admin.ok(['mkdir', '-m', '700', '/private']);
  await admin.ok(['put', '-', '/private/g'], 'g\n');
  await admin.ok(['xattr', 'set', '/private/g', 'user.a', 'x']);
  const stat = await runDfs(['stat', '/private/g'], bobEnv);
  t.equal(stat.stderr, 'dfs: permission denied: search /private (EACCES)\n');
  await bob.fails(['xattr', 'get', '/private/g', 'user.a'], stat.stderr);
  await bob.fails(['xattr', 'list', '/private/g'], stat.stderr);
});

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
