// Locks across two mounts of one cluster, granted by the master: flock and fcntl record
// locks exclude each other as between processes on one machine, F_GETLK names the holder's
// range, a wait (F_SETLKW, flock without LOCK_NB) ends when the holder lets go or when the
// waiter is interrupted, a close or an exit frees the lock; and SQLite, writing one database
// from both mounts at once, keeps it whole with every row.
import t from 'tap';
import { spawnCluster } from '../helpers/cluster.js';
import { fuseUnavailable, mount, sh } from '../helpers/mount.js';

const skip = fuseUnavailable();

const py = (code: string): string => `python3 -c "${code.replace(/"/g, '\\"')}"`;

t.test('flock and record locks exclude each other across mounts', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  await sh('echo data > f', { cwd: a.dir });

  // a holds an exclusive flock for a second; b cannot have it at once, then can
  const holder = sh('flock -x f -c "echo held; sleep 1.5"', { cwd: a.dir });
  await new Promise((res) => setTimeout(res, 500));
  t.equal((await sh('flock -n -x f -c "echo got" || echo busy', { cwd: b.dir })).stdout, 'busy\n', 'LOCK_NB: busy while a holds it');
  t.equal((await sh('flock -n -s f -c "echo got" || echo busy', { cwd: b.dir })).stdout, 'busy\n', 'a shared one neither');
  const waited = await sh('flock -x f -c "echo got after wait"', { cwd: b.dir });
  t.equal(waited.stdout, 'got after wait\n', 'a wait ends when a lets go');
  t.equal((await holder).stdout, 'held\n');
  t.equal((await sh('flock -s f -c "flock -n -s f -c \\"echo both shared\\""', { cwd: a.dir })).stdout, 'both shared\n');

  // fcntl: a write lock on bytes 0-9 in a; b's F_SETLK on 5-14 is EAGAIN, on 10-19 fine; F_GETLK sees a's
  const lockA = sh(
    py(`
import fcntl, os, time, struct
fd = os.open('f', os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)
print('locked', flush=True)
time.sleep(2)
`),
    { cwd: a.dir },
  );
  await new Promise((res) => setTimeout(res, 700));
  const probe = await sh(
    py(`
import errno, fcntl, os, struct
fd = os.open('f', os.O_RDWR)
def lock(start, n):
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, n, start)
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
print(lock(5, 10), lock(10, 10))
got = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 0, 0))
t, w, start, length, pid = struct.unpack('hhqqi', got)
print(t == fcntl.F_WRLCK, start, length)
`),
    { cwd: b.dir },
  );
  t.equal(probe.stdout, 'EAGAIN ok\nTrue 0 10\n', probe.stderr);
  t.equal((await lockA).stdout, 'locked\n');
  // a's process exited: its lock went with its last close
  t.equal(
    (
      await sh(
        py(`
import fcntl, os
fd = os.open('f', os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
print('free')
`),
        { cwd: b.dir },
      )
    ).stdout,
    'free\n',
  );
});

t.test('a wait is interrupted by a signal; a killed holder frees its lock', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  await sh('touch f', { cwd: a.dir });
  const holder = sh('flock -x f -c "echo held; sleep 30" & echo $! > pid; wait', { cwd: a.dir });
  await new Promise((res) => setTimeout(res, 700));
  const r = await sh('timeout -s INT 1 flock -x f -c "echo got"; echo "exit $?"', { cwd: b.dir });
  t.match(r.stdout, /^exit 1\d\d\n$/, 'interrupted after 1 s, not held');
  await sh('pkill -9 -P $(cat pid); kill -9 $(cat pid)', { cwd: a.dir });
  await holder;
  t.equal((await sh('timeout 10 flock -x f -c "echo got"', { cwd: b.dir })).stdout, 'got\n', "the dead holder's lock went");
});

t.test('SQLite on two mounts at once keeps its database whole', { skip }, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, args: ['--memory'] });
  const a = await mount(t, cluster);
  const b = await mount(t, cluster);
  await sh(
    py(`
import sqlite3
c = sqlite3.connect('db')
c.execute('create table t (who text, n int)')
c.commit()
`),
    { cwd: a.dir },
  );
  const writer = (who: string): string =>
    py(`
import sqlite3, time
c = sqlite3.connect('db', timeout=60)
for i in range(60):
    c.execute('insert into t values (?, ?)', ('${who}', i))
    c.commit()
print('done')
`);
  const [ra, rb] = await Promise.all([sh(writer('a'), { cwd: a.dir }), sh(writer('b'), { cwd: b.dir })]);
  t.equal(ra.stdout + rb.stdout, 'done\ndone\n', ra.stderr + rb.stderr);
  const check = await sh(
    py(`
import sqlite3
c = sqlite3.connect('db')
print(c.execute('pragma integrity_check').fetchone()[0], c.execute('select who, count(*) from t group by who order by who').fetchall())
`),
    { cwd: b.dir },
  );
  t.equal(check.stdout, "ok [('a', 60), ('b', 60)]\n", check.stderr);
});
