// Hostile names and paths, straight to the master (past the client's normalisation) and
// through the client library: each is refused with the errno a local file system gives.
import t from 'tap';
import { normalizePath } from '../../src/client/client.js';
import { DEFAULTS } from '../../src/defaults.js';
import { localCluster } from '../helpers/cluster.js';
import { code } from '../helpers/bytes.js';

t.test('names with /, NUL, . and .., over-long names and paths are refused', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  const c = cluster.admin;
  await c.mkdir('/d', 0o755);
  const raw = (method: string, meta: Record<string, unknown>): Promise<string> => code(c.callRaw(method, meta));

  const long = 'n'.repeat(DEFAULTS.maxNameBytes + 1);
  const longUtf8 = 'é'.repeat(Math.ceil((DEFAULTS.maxNameBytes + 1) / 2)); // 2 bytes each: the limit is in bytes
  // past the longest absolute path the master takes (longer than PATH_MAX: see below)
  const deep = '/' + Array.from({ length: DEFAULTS.maxTreePathBytes / 3 + 1 }, () => 'ab').join('/');
  const cases: [string, string, string][] = [
    ['/d/..', 'EINVAL', "'..' as the new name"],
    ['/d/.', 'EINVAL', "'.' as the new name"],
    ['/d/../escape', 'EINVAL', "'..' inside a path"],
    ['/d/a\0b', 'EINVAL', 'NUL in a name'],
    ['d/relative', 'EINVAL', 'a relative path'],
    ['', 'EINVAL', 'an empty path'],
    [`/d/${long}`, 'ENAMETOOLONG', `a ${long.length}-byte name`],
    [`/d/${longUtf8}`, 'ENAMETOOLONG', `a ${Buffer.byteLength(longUtf8)}-byte UTF-8 name`],
    [deep, 'ENAMETOOLONG', `a ${deep.length}-byte path`],
  ];
  for (const [p, want, what] of cases) {
    t.equal(await raw('fs.mkdir', { path: p, mode: 0o755 }), want, `mkdir: ${what} → ${want}`);
    t.equal(await raw('fs.create', { path: p, mode: 0o644 }), want, `create: ${what} → ${want}`);
    t.equal(await raw('fs.rename', { from: '/d', to: p }), want, `rename to: ${what} → ${want}`);
    t.equal(await raw('fs.symlink', { path: p, target: '/d' }), want, `symlink: ${what} → ${want}`);
  }
  t.equal(await raw('fs.getattr', { path: '/d/\0' }), 'EINVAL', 'a lookup with NUL');
  t.equal(await raw('fs.mkdir', { path: 12, mode: 0o755 }), 'EINVAL', 'a path that is not a string');
  t.equal(await raw('fs.mkdir', { path: '/d/x', mode: -1 }), 'EINVAL', 'a negative mode');
  t.equal(await raw('fs.mkdir', { path: '/d/x', mode: 0o177777 }), 'EINVAL', 'mode bits past 07777');
  t.equal(await raw('fs.symlink', { path: '/d/s', target: 'a\0b' }), 'EINVAL', 'a symlink target with NUL');
  t.equal(await raw('fs.symlink', { path: '/d/s', target: 'x'.repeat(DEFAULTS.maxPathBytes + 1) }), 'ENAMETOOLONG', 'an over-long symlink target');
  t.equal(await raw('fs.symlink', { path: '/d/s', target: 'x'.repeat(DEFAULTS.maxPathBytes) }), 'ENAMETOOLONG', 'a PATH_MAX-byte target does not fit with its NUL');
  t.same(
    (await c.readdir('/d')).map((e) => e.name),
    [],
    'nothing was created',
  );

  // exactly at the limits is fine
  const max = 'm'.repeat(DEFAULTS.maxNameBytes);
  t.equal(await code(c.mkdir(`/d/${max}`)), 'OK', `a ${DEFAULTS.maxNameBytes}-byte name is allowed`);
  t.equal(await code(c.mkdir('/d/with space, ünïcode & * ?')), 'OK', 'odd but legal characters are allowed');
  t.equal(await code(c.symlink('x'.repeat(DEFAULTS.maxPathBytes - 1), '/d/s')), 'OK', `a ${DEFAULTS.maxPathBytes - 1}-byte symlink target`);
  // a mount names a file from the root: a PATH_MAX path relative to a deep directory is longer
  let longer = '/d/deeper';
  await c.mkdir(longer);
  while (Buffer.byteLength(longer) < 3 * DEFAULTS.maxPathBytes) {
    longer += `/${max}`;
    await c.mkdir(longer);
  }
  const made = await c.mknod(`${longer}/f`, 'fifo', 0o644);
  t.equal((await c.getattr(`${longer}/f`)).ino, made.ino, `a ${Buffer.byteLength(longer) + 2}-byte absolute path works`);
  t.equal(await code(c.rename(`${longer}/f`, `${longer}/g`)), 'OK', 'and renames');

  // the client library: '..' is resolved the way a shell does, never past the root; NUL refused
  t.equal(normalizePath('/a/../../../b'), '/b', "'..' cannot climb above the root");
  t.equal(normalizePath('a//b/'), '/a/b', 'relative and doubled slashes are normalised');
  t.throws(() => normalizePath('/a\0b'), { code: 'EINVAL' }, 'the client refuses NUL before sending');
  t.equal(await code(c.mkdir(`/d/${long}`)), 'ENAMETOOLONG', 'the client gets ENAMETOOLONG for a long name');
});
