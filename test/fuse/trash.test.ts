// rm in a mount goes to the trash, as in JuiceFS: the root does not list /.trash, an admin
// reaches it by path, and `mv` out of it restores.
import t from 'tap';
import type { TrashItem } from '../../src/protocol/types.js';
import { fuseUnavailable, mountedCluster } from '../helpers/mount.js';

const skip = fuseUnavailable();

t.test('rm -rf in a mount: into the trash, restorable; ls -a / shows no .trash', { skip }, async (t) => {
  const { cluster, mnt } = await mountedCluster(t, { nodes: 1 });
  let r = await mnt.sh('mkdir -p proj/src && echo code > proj/src/main.c && echo notes > notes.txt && rm -rf proj && rm notes.txt && ls -a');
  t.equal(r.stdout, '.\n..\n', `the root lists nothing, not even .trash: ${r.stderr}`);
  const list = JSON.parse((await cluster.dfs(['trash', 'list', '--json'])).stdout) as { items: TrashItem[] };
  t.same(
    list.items.map((i) => i.path),
    ['/proj/src/main.c', '/proj/src', '/proj', '/notes.txt'],
    'every file and directory rm removed, in order',
  );

  const notes = list.items[3];
  r = await mnt.sh(`cat .trash/${notes.id}-notes.txt && ls .trash | wc -l`);
  t.equal(r.stdout, 'notes\n4\n', `an admin's mount reads the trash by path: ${r.stderr}`);
  r = await mnt.sh(`mv .trash/${notes.id}-notes.txt notes.txt && cat notes.txt`);
  t.equal(r.stdout, 'notes\n', `mv out of .trash restores: ${r.stderr}`);
  r = await mnt.sh('touch .trash/new; mkdir .trash');
  t.match(r.stderr, /touch: .*Operation not permitted[\s\S]*mkdir: .*(File exists|Operation not permitted)/, 'nothing new in the trash');

  r = await cluster.dfs(['trash', 'restore', ...list.items.slice(0, 3).map((i) => String(i.id))]);
  t.equal(r.code, 0, r.stderr);
  r = await mnt.sh('cat proj/src/main.c');
  t.equal(r.stdout, 'code\n', 'dfs trash restore of the three brings the tree back, directories first');
});
