// Close-to-open between two mounts of one cluster: once close() returns in one mount, the
// next open() in the other sees the data, even when it looked at the file a moment before.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

t.test('two mounts see each other\'s closed files', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  const step = async (m: typeof a, cmd: string): Promise<string> => {
    const r = await m.sh(cmd);
    t.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    return r.stdout;
  };
  await step(a, 'printf one > f');
  t.equal(await step(b, 'cat f'), 'one');
  // b has the file's attributes and pages cached now; a longer and then a shorter rewrite
  await step(a, 'printf three33 > f');
  t.equal(await step(b, 'cat f; echo; stat -c %s f'), 'three33\n7\n');
  await step(a, 'printf xy > f');
  t.equal(await step(b, 'cat f'), 'xy');
  await step(b, 'printf more >> f');
  t.equal(await step(a, 'cat f'), 'xymore');
  // the same size and a new content
  await step(a, 'printf XYMORE > f');
  t.equal(await step(b, 'cat f'), 'XYMORE');
  await step(a, 'mkdir d && head -c 9000000 /dev/urandom > d/big && sha256sum < d/big > sum');
  t.equal(await step(b, 'sha256sum < d/big'), await step(a, 'cat sum'));
  await step(a, 'rm f');
  const gone = await b.sh('cat f');
  t.equal(gone.code, 1);
  t.match(gone.stderr, /No such file or directory/);
  // a file replaced by rename (as editors and git do) shows its new content
  await step(a, 'printf new > tmp && mv tmp sum');
  t.equal(await step(b, 'cat sum'), 'new');
});

t.test('fsync makes data visible to another mount while the file stays open', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  const script = `
    const fs = require('fs');
    const fd = fs.openSync('${a.dir}/synced', 'w');
    fs.writeSync(fd, 'durable');
    fs.fsyncSync(fd);
    const seen = require('child_process').execFileSync('cat', ['${b.dir}/synced']).toString();
    fs.closeSync(fd);
    console.log(seen);`;
  const r = await sh(`node -e "${script.replace(/"/g, '\\"')}"`);
  t.equal(r.stdout.trim(), 'durable', r.stderr);
});
