// `dfs mount --multi-user`: every local user acts as themselves. Programs run as root and
// as other users (setpriv) on one mount: new files belong to their maker, permissions are
// each caller's own (EACCES where a local file system says so), the sticky bit holds, and
// local root is squashed to nobody unless --no-root-squash. The same commands run on a
// local directory give the same answers.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { spawnCluster, tempDir } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable() ?? (process.getuid?.() === 0 ? undefined : "needs root (a multi-user mount is root's, and setpriv)");

const as = (uid: number, cmd: string): string => `setpriv --reuid=${uid} --regid=${uid} --clear-groups sh -c '${cmd}' 2>&1 | sed 's/^.*: //'`;

/** A directory others can reach (tempDir makes 0700 ones). */
function openDir(t: Parameters<typeof tempDir>[0], prefix: string): string {
  const base = tempDir(t, prefix);
  fs.chmodSync(base, 0o755);
  return base;
}

const SCRIPT = [
  'mkdir shared && chmod 1777 shared && mkdir rootonly && chmod 700 rootonly && echo secret > rootonly/f && echo pub > pub && chmod 644 pub',
  as(1000, 'echo mine > shared/a; stat -c "%u %g %a" shared/a'),
  as(1001, 'cat shared/a; echo x >> shared/a; rm -f shared/a; echo $?'),
  as(1001, 'ls rootonly; cat rootonly/f; echo y > pub; cat pub'),
  as(1000, 'mkdir shared/d && chmod 700 shared/d && touch shared/d/in; stat -c "%u %a" shared/d'),
  as(1001, 'touch shared/d/x; ls shared/d'),
  as(1000, 'chmod 600 shared/a; chown 1001 shared/a'),
  'stat -c "%u %g" shared/a shared/d/in',
].join('\n');

t.test('every local user acts as themselves, as on a local file system', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const m = await mount(t, cluster, { dir: path.join(openDir(t, 'dfs-mnt-'), 'mnt'), args: ['--multi-user', '--no-root-squash'] });
  const local = path.join(openDir(t, 'dfs-local-'), 'ref');
  fs.mkdirSync(local);
  const want = await sh(SCRIPT, { cwd: local });
  const got = await sh(SCRIPT, { cwd: m.dir });
  t.match(want.stdout, /1000 1000 644[^]*Permission denied[^]*Operation not permitted/, 'the reference says what the rules say');
  t.equal(got.stdout, want.stdout, got.stderr);
});

t.test('local root is nobody unless --no-root-squash; the path layer cannot act for callers', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const m = await mount(t, cluster, { dir: path.join(openDir(t, 'dfs-mnt-'), 'mnt'), args: ['--multi-user'] });
  const r = await sh('mkdir d; touch f; stat -c "%u %g" f; chown 0 f 2>&1 | sed "s/^.*: //"; chmod 700 d', { cwd: m.dir });
  t.equal(r.stdout, '65534 65534\nOperation not permitted\n', r.stderr);
  t.equal((await sh(as(65534, 'touch d/mine && echo ok'), { cwd: m.dir })).stdout, 'ok\n', 'root made it as nobody: nobody owns it');
  await t.rejects(mount(t, cluster, { args: ['--multi-user', '--layer', 'path'] }), /--multi-user needs --layer inode/);
});
