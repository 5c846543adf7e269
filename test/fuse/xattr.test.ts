// Extended attributes on the mount, compared with a local file system: setfattr/getfattr,
// the flags and errors of setxattr(2) and getxattr(2), sizes at the limits, trusted.* as
// root, user.* refused on a symlink, cp --preserve=xattr; they survive a master restart
// (journal and snapshot: test/persistence), and another mount sees a change at once.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

const PY = String.raw`
import errno, os
def e(f):
    try:
        r = f()
        return 'ok' if r is None else repr(r)
    except OSError as x:
        return errno.errorcode[x.errno]
open('f', 'w').write('data')
os.symlink('f', 'l')
os.mkdir('d')
print(e(lambda: os.setxattr('f', 'user.a', b'one')))
print(e(lambda: os.getxattr('f', 'user.a')))
print(e(lambda: os.setxattr('f', 'user.a', b'two', os.XATTR_CREATE)))
print(e(lambda: os.setxattr('f', 'user.b', b'x', os.XATTR_REPLACE)))
print(e(lambda: os.setxattr('f', 'user.a', b'', os.XATTR_REPLACE)))
print(e(lambda: os.getxattr('f', 'user.a')))
print(e(lambda: os.getxattr('f', 'user.none')))
print(e(lambda: os.setxattr('d', 'user.dir', b'yes')))
print(e(lambda: os.setxattr('l', 'user.x', b'1', follow_symlinks=False)))
print(e(lambda: os.setxattr('f', 'trusted.t', b'root')))
print(e(lambda: os.setxattr('f', 'user.' + 'n' * 251, b'v')))
print(e(lambda: os.setxattr('f', 'user.big', b'v' * 2000)))
print(e(lambda: len(os.getxattr('f', 'user.big'))))
print(e(lambda: os.setxattr('f', 'user.bigger', b'v' * 65537)))
print(e(lambda: os.setxattr('f', 'nonamespace', b'v')))
print(e(lambda: sorted(os.listxattr('f'))))
print(e(lambda: os.removexattr('f', 'user.a')))
print(e(lambda: os.removexattr('f', 'user.a')))
print(e(lambda: sorted(os.listxattr('d'))))
`;

async function run(dir: string): Promise<string> {
  const r = await sh(`python3 -c "${PY.replace(/"/g, '\\"')}" && cp --preserve=xattr d/../f copy && getfattr -d --absolute-names copy | sed 1d`, { cwd: dir });
  return r.stdout + r.stderr;
}

t.test('extended attributes answer as on a local file system', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const m = await mount(t, cluster);
  const local = path.join(tempDir(t, 'dfs-local-'), 'ref');
  fs.mkdirSync(local);
  const want = await run(local);
  t.match(want, /^ok\nb'one'\nEEXIST\nENODATA\nok\nb''\nENODATA\nok\nEPERM\nok\nERANGE\nok\n2000\nE2BIG\nENOTSUP\n/, 'the reference says what Linux says');
  t.equal(await run(m.dir), want);

  // another mount sees a change at once (the master's invalidation)
  const other = await mount(t, cluster);
  t.equal((await sh('getfattr --only-values -n user.dir d', { cwd: other.dir })).stdout, 'yes');
  await sh('setfattr -n user.dir -v changed d', { cwd: m.dir });
  t.equal((await sh('getfattr --only-values -n user.dir d', { cwd: other.dir })).stdout, 'changed');
});
