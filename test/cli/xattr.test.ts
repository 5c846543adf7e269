// `dfs xattr` through the built bin/dfs: set, get, list and rm with their flags, the values in
// getfattr's encodings and read in setfattr's, each failure one line with its errno. Another
// user's rules are in xattr-users.test.ts, a mount and the CLI in xattr-mount.test.ts (three
// files, so that the CLI runs of each stay well inside tap's time for a file).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { runDfs, spawnCluster, tempDir } from '../helpers/cluster.js';
import { checks } from './xattr-checks.js';

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
