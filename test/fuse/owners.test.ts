// Owners through the mount: with --id-map name the mounting user's files are its own, dfs
// users with a local account of the same name show as it, others as nobody; the default
// (identity) shows dfs ids as they are.
import fs from 'node:fs';
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount } from '../helpers/mount.js';

const skip = fuseUnavailable();

/** A local account that exists on every Debian system, and its uid. */
function localAccount(name: string): number | undefined {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return line ? Number(line.split(':')[2]) : undefined;
}

t.test('owners map to local accounts by name', { skip }, async (t) => {
  const cl = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const admin = await cl.client();
  await admin.addUser('daemon', 'daemon-pw'); // Debian's `daemon` account, uid 1
  const carol = await admin.addUser('carol', 'carol-pw'); // no local carol
  for (const [name, uid] of [
    ['mine', -1],
    ['daemons', (await admin.listUsers()).find((u) => u.name === 'daemon')!.uid],
    ['carols', carol.uid],
  ] as const) {
    const h = await admin.create(`/${name}`, 0o644);
    await h.close();
    if (uid >= 0) await admin.chown(`/${name}`, uid, -1);
  }
  const byName = await mount(t, cl, { args: ['--id-map', 'name'] });
  const owner = async (f: string): Promise<string> => (await byName.sh(`stat -c '%U %u' ${f}`)).stdout.trim();
  t.equal(await owner('mine'), `root 0`, 'the mounting user (admin) sees its files as its own');
  t.equal(await owner('daemons'), `daemon ${localAccount('daemon')}`, 'dfs user daemon shows as the local daemon');
  t.equal(await owner('carols'), 'nobody 65534', 'a dfs user with no local account shows as nobody');

  const chown = await byName.sh('chown daemon mine && stat -c %U mine');
  t.equal(chown.stdout.trim(), 'daemon', 'chown to a local name gives the file to the dfs user of that name');
  const noAccount = await byName.sh('chown nobody mine');
  t.not(noAccount.code, 0, 'chown to a local account with no dfs user fails');
  t.match(noAccount.stderr, /Invalid argument/, 'with EINVAL');

  const identity = await mount(t, cl);
  t.equal((await identity.sh('stat -c %u carols')).stdout.trim(), String(carol.uid), 'by default the mount shows the dfs uid');
});
