// Close-to-open between two mounts of one cluster: once close() returns in one mount, the
// next open() in the other sees the data, even when it looked at the file a moment before.
import t from 'tap';
import { DEFAULTS } from '../../src/defaults.js';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

t.test("two mounts see each other's closed files", { skip }, async (t) => {
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

t.test('a stat just before does not hide a file closed on the other mount', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const a = await mount(t, cluster);
  // b keeps attributes for a minute: whatever its stat cached is still there when it opens
  const b = await mount(t, cluster, { args: ['--attr-cache', '60'] });
  // One process does stat on b, rewrite on a, read on b, back to back: b's attribute cache
  // holds the old size when the read opens the file. Readers trust the size differently: cat
  // reads to the end; readFileSync reads as many bytes as fstat says; tail -c seeks to fstat's
  // size less 4 and reads from there. After the open, a stat by name shows the new size too.
  const versions = ['a longer second version', 'short', 'same-size!', 'SAME-SIZE!', ''];
  const script = `
    const fs = require('fs');
    const { execFileSync } = require('child_process');
    const A = ${JSON.stringify(a.dir)}, B = ${JSON.stringify(b.dir)};
    const seen = [];
    fs.writeFileSync(A + '/f', 'one');
    for (const next of ${JSON.stringify(versions)}) {
      for (const read of ['cat', 'readFileSync', 'tail']) {
        fs.statSync(B + '/f');
        fs.writeFileSync(A + '/f', next + read);
        const got = read === 'cat' ? execFileSync('cat', [B + '/f'])
          : read === 'tail' ? execFileSync('tail', ['-c', '4', B + '/f'])
          : fs.readFileSync(B + '/f');
        seen.push(got.toString(), fs.statSync(B + '/f').size);
      }
    }
    console.log(JSON.stringify(seen));`;
  const r = await sh(`node -e '${script.replace(/'/g, "'\\''")}'`);
  t.equal(r.code, 0, r.stderr);
  const expected = versions.flatMap((next) =>
    ['cat', 'readFileSync', 'tail'].flatMap((read) => [read === 'tail' ? `${next}tail`.slice(-4) : next + read, Buffer.byteLength(next + read)]),
  );
  t.same(JSON.parse(r.stdout), expected);
});

t.test('a plain stat on another mount shows a change within the attribute cache time', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  t.equal((await a.sh('printf x > f && stat -c %a f')).stdout, '644\n');
  t.equal((await b.sh('stat -c %a f')).stdout, '644\n');
  t.equal((await a.sh('chmod 600 f && stat -c %a f')).stdout, '600\n');
  // b may answer from its cache until the time to live is over, and not after
  await new Promise((resolve) => setTimeout(resolve, DEFAULTS.mountAttrCacheMs + 200));
  t.equal((await b.sh('stat -c %a f')).stdout, '600\n');
  // a name another mount created is there at once: misses are not cached
  t.equal((await b.sh('stat -c %s new 2>/dev/null; echo $?')).stdout, '1\n');
  t.equal((await a.sh('printf abc > new && echo ok')).stdout, 'ok\n');
  t.equal((await b.sh('stat -c %s new')).stdout, '3\n');
});

// Found by the differential exerciser: the kernel trusts a name for entry_timeout, so a
// file another mount removed a moment ago is still there to this mount's kernel, which then
// sends OPEN, not CREATE, for open(O_CREAT). The daemon answers ESTALE, and the kernel looks
// the name up again and creates the file, as a local file system would.
t.test('open(O_CREAT) of a name another mount just removed creates the file', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  t.equal((await a.sh('printf x > f && cat f')).stdout, 'x');
  t.equal((await b.sh('rm f')).code, 0);
  const r = await a.sh(`python3 -c "import os; os.close(os.open('f', os.O_RDWR | os.O_CREAT, 0o644)); print(os.stat('f').st_size)"`);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.trim(), '0', 'a new, empty file');
  t.equal((await b.sh('stat -c %s f')).stdout.trim(), '0', 'and the other mount sees it');
});
