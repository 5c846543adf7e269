// Interrupts on the low-level binding: when the caller of a request the file system has
// not answered yet gets a signal, the kernel sends INTERRUPT, and the operation's request
// sees it (req.signal): a lock that waits can give up with EINTR, and a process killed
// while it waits on the file system dies instead of hanging in the kernel. Also the lock
// operations themselves: fcntl record locks (getlk, setlk, setlkw) and flock.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Teardown } from '../helpers/cluster.js';
import { fuseUnavailable, sh } from '../helpers/mount.js';
import { mountMemFs, type MemMount } from '../helpers/lowlevel-mount.js';

const skip = fuseUnavailable();

/** A process in the mount that prints `ready` once it holds what it should. */
function start(t: Teardown, dir: string, cmd: string[], ready?: RegExp): Promise<{ proc: ChildProcess; out: () => string; exited: Promise<number | null> }> {
  // a process group of its own, so that the teardown ends its children too (flock's sleep)
  const proc = spawn(cmd[0], cmd.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  t.teardown(() => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  if (!ready) return Promise.resolve({ proc, out: () => out, exited });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 20_000);
    const check = (): void => {
      if (!ready.test(out)) return;
      clearTimeout(timer);
      resolve({ proc, out: () => out, exited });
    };
    proc.stdout.on('data', check);
  });
}

async function stats(m: MemMount): Promise<{ calls: Record<string, number>; interrupts: number }> {
  return m.ask({ cmd: 'stats' });
}

const PY_LOCK = String.raw`
import fcntl, os, signal, struct, sys, time
what = sys.argv[1]
f = open('f', 'r+')
if what == 'hold':
    fcntl.lockf(f, fcntl.LOCK_EX)
    print('locked', flush=True)
    time.sleep(60)
elif what == 'getlk':
    got = fcntl.fcntl(f, fcntl.F_GETLK, struct.pack('hhqqi', fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0) + bytes(8))
    kind, _, start, length, pid = struct.unpack('hhqqi', got[:28])
    print('held by', pid, 'write' if kind == fcntl.F_WRLCK else kind, start, length, flush=True)
elif what == 'try':
    try:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        print('got it')
    except OSError as e:
        print('busy', e.errno)
elif what == 'wait':
    def give_up(*_):
        raise TimeoutError()
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(sys.argv[2]))
    try:
        fcntl.lockf(f, fcntl.LOCK_EX)
        print('got it', flush=True)
    except TimeoutError:
        print('gave up', flush=True)
        sys.exit(3)
`;

t.test('fcntl record locks: a conflicting lock is reported, refused without waiting, and a waiter interrupted by a signal gives up', { skip }, async (t) => {
  const m = await mountMemFs(t);
  fs.writeFileSync(path.join(m.dir, 'f'), 'locked file\n');
  fs.writeFileSync(path.join(m.dir, 'lock.py'), PY_LOCK);
  const holder = await start(t, m.dir, ['python3', 'lock.py', 'hold'], /locked/);
  t.match((await sh('python3 lock.py getlk', { cwd: m.dir })).stdout, new RegExp(`held by ${holder.proc.pid} write 0 0`), 'F_GETLK names the holder');
  t.match((await sh('python3 lock.py try', { cwd: m.dir })).stdout, /busy 11/, 'F_SETLK: EAGAIN');

  const before = await stats(m);
  const t0 = Date.now();
  const waiter = await sh('python3 lock.py wait 1', { cwd: m.dir });
  t.equal(waiter.code, 3, `the waiter gave up at its alarm: ${waiter.stdout}`);
  t.ok(Date.now() - t0 < 10_000, 'promptly');
  const after = await stats(m);
  t.ok(after.interrupts > before.interrupts, 'the interrupt reached the file system');

  // a waiter without an alarm gets the lock once the holder is gone (its close drops the lock)
  const second = await start(t, m.dir, ['python3', 'lock.py', 'wait', '30']);
  await new Promise((r) => setTimeout(r, 300));
  holder.proc.kill('SIGKILL');
  t.equal(await second.exited, 0);
  t.match(second.out(), /got it/);
});

t.test('flock: exclusive against exclusive waits, and `flock -w` gives up when its timer interrupts the wait', { skip }, async (t) => {
  const m = await mountMemFs(t);
  fs.writeFileSync(path.join(m.dir, 'f'), '');
  await start(t, m.dir, ['flock', 'f', 'sh', '-c', 'echo held; sleep 60'], /held/);
  t.equal((await sh('flock -n f true', { cwd: m.dir })).code, 1, 'LOCK_NB: refused');
  const before = await stats(m);
  const r = await sh('flock -w 1 f true', { cwd: m.dir });
  t.equal(r.code, 1, 'the timed wait gave up');
  t.ok((await stats(m)).interrupts > before.interrupts, 'the interrupt reached the file system');
  t.ok((await stats(m)).calls.flock >= 3);
  t.equal((await sh('flock -s -n g true 2>/dev/null; : > g; flock -s g flock -s -n g true', { cwd: m.dir })).code, 0, 'shared locks share');
});

t.test('a process killed while a lookup waits on the file system dies at once: the kernel interrupts the lookup', { skip }, async (t) => {
  const m = await mountMemFs(t);
  await m.ask({ cmd: 'hold', key: 'lookup:slow' });
  // a lookup is a request its caller waits on itself; reads are not: a buffered read waits on
  // a page (killably, and the kernel tells the file system nothing), and an O_DIRECT read with
  // async_dio on a completion it cannot leave until the answer (native-notes/lowlevel.md)
  const caller = await start(t, m.dir, ['stat', 'slow']);
  await m.event('held', (e) => e.key === 'lookup:slow');
  caller.proc.kill('SIGKILL');
  const dead = await Promise.race([caller.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
  t.ok(dead, 'the caller is gone while the lookup is still held');
  t.ok((await stats(m)).interrupts >= 1, 'the file system saw the interrupt');
});

t.test('an interrupt that comes before the operation first looks at its signal still shows on it', { skip }, async (t) => {
  const m = await mountMemFs(t, { fs: { entryTimeout: 600, attrTimeout: 0 } });
  fs.writeFileSync(path.join(m.dir, 'late'), '');
  await m.ask({ cmd: 'hold', key: 'getattr-late:late' });
  const caller = await start(t, m.dir, ['stat', 'late']);
  await m.event('held', (e) => e.key === 'getattr-late:late');
  caller.proc.kill('SIGKILL');
  await caller.exited;
  t.equal((await stats(m)).interrupts, 1, 'the operation saw its signal aborted');
});
