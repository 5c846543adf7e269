// File contents through a real mount, checked with real coreutils against a local file
// system doing the same work.
import t from 'tap';
import { fuseUnavailable, localDir, mountedCluster, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

t.test('echo, cat and appends', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  let r = await mnt.sh('echo hello > f && cat f');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello\n');
  r = await mnt.sh('echo world >> f && printf "%s" tail >> f && cat f && stat -c %s f');
  t.equal(r.stdout, 'hello\nworld\ntail16\n', r.stderr);
  // appends from two shells in turn, each a fresh open
  r = await mnt.sh('for i in 1 2 3 4 5; do echo line$i >> g; done; cat g; wc -l < g');
  t.equal(r.stdout, 'line1\nline2\nline3\nline4\nline5\n5\n', r.stderr);
});

t.test('ls -la shows sizes, modes and times', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const r0 = await mnt.sh(['head -c 12345 /dev/zero > a', ': > empty', 'mkdir d', 'chmod 640 a', 'chmod 711 d', "touch -d '2020-02-03 04:05:06 UTC' a"].join(' && '));
  t.equal(r0.code, 0, r0.stderr);
  const r = await mnt.sh('ls -la --time-style=+%s');
  t.equal(r.code, 0, r.stderr);
  const rows = new Map(
    r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const f = line.trim().split(/\s+/);
        return [f[6], { mode: f[0], links: f[1], size: Number(f[4]), time: Number(f[5]) }] as const;
      }),
  );
  t.same(rows.get('a'), { mode: '-rw-r-----', links: '1', size: 12345, time: Date.UTC(2020, 1, 3, 4, 5, 6) / 1000 });
  t.match(rows.get('empty'), { mode: '-rw-r--r--', size: 0 });
  t.match(rows.get('d'), { mode: 'drwx--x--x', links: '2' });
  t.ok(rows.has('.') && rows.has('..'), '. and .. are listed');
  const now = Date.now() / 1000;
  t.ok(Math.abs(rows.get('empty')!.time - now) < 60, 'a new file has the current time');
  const st = await mnt.sh('stat -c "%s %a %F %h" a d empty');
  t.equal(st.stdout, '12345 640 regular file 1\n0 711 directory 2\n0 644 regular empty file 1\n');
});

t.test('cp of a 100 MiB random file in and out keeps every byte', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const local = localDir(t);
  let r = await sh(`head -c 100M /dev/urandom > ${local}/src && cp ${local}/src ${mnt.dir}/big && cp ${mnt.dir}/big ${local}/back`);
  t.equal(r.code, 0, r.stderr);
  r = await sh(`sha256sum < ${local}/src; sha256sum < ${mnt.dir}/big; sha256sum < ${local}/back; stat -c %s ${mnt.dir}/big`);
  const [a, b, c, size] = r.stdout.trim().split('\n');
  t.equal(b, a, 'the file in the mount has the same sha256');
  t.equal(c, a, 'the copy out has the same sha256');
  t.equal(size, String(100 * 1024 * 1024));
});

t.test('dd partial overwrites and truncate match a local file byte for byte', { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  const local = localDir(t);
  const MiB = 1024 * 1024;
  const steps = [
    // in the middle of a block, across the 4 MiB block boundary, at the very start
    'dd if=$P of=f bs=1000 count=3 seek=1234 conv=notrunc',
    `dd if=$P of=f bs=1 count=3000 seek=${4 * MiB - 1500} conv=notrunc`,
    'dd if=$P of=f bs=7 count=1 conv=notrunc',
    // past the end: a sparse hole, then the write
    `dd if=$P of=f bs=1000 count=2 seek=${Math.floor((9 * MiB) / 1000) + 17} conv=notrunc`,
    'truncate -s 12000000 f',
    `dd if=$P of=f bs=1 count=100 seek=${11 * MiB} conv=notrunc`,
    'truncate -s 5000001 f',
    `truncate -s ${4 * MiB} f`,
    'truncate -s +777 f',
    `dd if=$P of=f bs=1 count=10 seek=${4 * MiB + 700} conv=notrunc`,
    'truncate -s 3 f',
    'truncate -s 70000 f',
  ];
  let r = await sh(`head -c 5000 /dev/urandom > ${local}/patch && head -c 6000000 /dev/urandom > ${local}/base && mkdir ${local}/l`);
  t.equal(r.code, 0, r.stderr);
  for (const dir of [`${local}/l`, mnt.dir]) {
    r = await sh(`cp ${local}/base f`, { cwd: dir });
    t.equal(r.code, 0, r.stderr);
  }
  for (const step of steps) {
    for (const dir of [`${local}/l`, mnt.dir]) {
      r = await sh(`P=${local}/patch; ${step} 2>/dev/null`, { cwd: dir });
      t.equal(r.code, 0, `${step} in ${dir}: ${r.stderr}`);
    }
    r = await sh(`cmp ${local}/l/f ${mnt.dir}/f && stat -c %s ${mnt.dir}/f`);
    t.equal(r.code, 0, `after "${step}": ${r.stdout}${r.stderr}`);
  }
});

t.test("several handles on one file see each other's writes at once", { skip }, async (t) => {
  const { mnt } = await mountedCluster(t);
  // one process, two descriptors: write through one, read through the other before any close
  const script = `
    const fs = require('fs');
    const w = fs.openSync('shared', 'w+');
    const r = fs.openSync('shared', 'r');
    fs.writeSync(w, Buffer.from('first'), 0, 5, 0);
    const b = Buffer.alloc(5);
    fs.readSync(r, b, 0, 5, 0);
    fs.writeSync(w, Buffer.from('XY'), 0, 2, 5 * 1024 * 1024);
    const c = Buffer.alloc(2);
    fs.readSync(r, c, 0, 2, 5 * 1024 * 1024);
    const size = fs.fstatSync(r).size;
    fs.fchmodSync(w, 0o600);
    fs.futimesSync(w, 1000, 2000);
    const st = fs.fstatSync(r);
    fs.closeSync(w); fs.closeSync(r);
    console.log([b.toString(), c.toString(), size, (st.mode & 0o777).toString(8), st.mtimeMs, st.size].join(' '));`;
  // one string: console.log colours numbers when FORCE_COLOR is set (tap sets it on a terminal)
  const r = await mnt.sh(`node -e "${script.replace(/"/g, '\\"')}"`);
  // fstat of the open file shows the mode and times just set, and still its own size
  t.equal(r.stdout.trim(), `first XY ${5 * 1024 * 1024 + 2} 600 2000000 ${5 * 1024 * 1024 + 2}`, r.stderr);
});
