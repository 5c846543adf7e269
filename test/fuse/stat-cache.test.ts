// The mount answers stat from its attribute cache; a change made through the same mount must
// show in the very next stat, whatever was cached before it. Each command stats a name first
// (filling the cache) and changes it right after. The mounts keep attributes for a minute
// (--attr-cache 60), so a change that failed to drop a cached entry shows as a failure here,
// however slow the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import t from 'tap';
import { spawnCluster, type Teardown } from '../helpers/cluster.js';
import { fuseUnavailable, mount, type Mounted } from '../helpers/mount.js';

const skip = fuseUnavailable();
const LONG_CACHE = ['--attr-cache', '60'];

async function cachedMount(t: Teardown): Promise<{ cluster: Awaited<ReturnType<typeof spawnCluster>>; mnt: Mounted }> {
  const cluster = await spawnCluster(t, { args: ['--memory'] });
  return { cluster, mnt: await mount(t, cluster, { args: LONG_CACHE }) };
}

t.test('changes through a mount show at once in its own stats', { skip }, async (t) => {
  const { mnt } = await cachedMount(t);
  const out = async (cmd: string): Promise<string> => {
    const r = await mnt.sh(cmd);
    t.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    return r.stdout;
  };
  const gone = async (cmd: string, name: string): Promise<void> => {
    const r = await mnt.sh(`${cmd}; stat -c %s ${name}`);
    t.not(r.code, 0, `${name} is gone after: ${cmd}`);
    t.match(r.stderr, /No such file or directory/);
  };
  t.equal(await out('printf abc > f && stat -c "%s %a" f'), '3 644\n');
  t.equal(await out('stat -c %a f >/dev/null && chmod 600 f && stat -c %a f'), '600\n', 'chmod');
  t.equal(await out('stat -c %s f >/dev/null && truncate -s 10 f && stat -c %s f'), '10\n', 'truncate');
  t.equal(await out('stat -c %s f >/dev/null && : > f && stat -c %s f'), '0\n', 'open with O_TRUNC');
  t.equal(await out('stat -c %Y f >/dev/null && touch -d "2020-01-02 03:04:05 UTC" f && stat -c %Y f'), `${Date.UTC(2020, 0, 2, 3, 4, 5) / 1000}\n`, 'utimens');
  // a hard link: a change through one name shows under the other
  t.equal(await out('stat -c %h f >/dev/null && ln f hard && stat -c %h f'), '2\n', 'link counts under the old name');
  t.equal(await out('stat -c %a f hard >/dev/null && chmod 640 hard && stat -c %a f'), '640\n', 'chmod through the other name');
  t.equal(await out('stat -c %h f hard >/dev/null && rm hard && stat -c %h f'), '1\n', 'unlink of the other name');
  // rename: the old name is gone, the new one has the file
  t.equal(await out('stat -c %s f >/dev/null && mv f g && stat -c "%s %a" g'), '0 640\n', 'rename');
  await gone('stat -c %s g >/dev/null', 'f');
  // a file renamed over another replaces it in the cache too
  t.equal(await out('printf 12345 > h && stat -c %s g h >/dev/null && mv h g && stat -c %s g'), '5\n', 'rename over');
  await gone('stat -c %s g >/dev/null && rm g', 'g');
  // a directory renamed: its entries move with it, and a new directory of the old name is empty
  t.equal(await out('mkdir d && printf x > d/x && stat -c %s d/x >/dev/null && mv d e && stat -c %s e/x'), '1\n', 'directory rename');
  await gone('stat -c %s e/x >/dev/null', 'd/x');
  await gone('mkdir d', 'd/x');
  await gone('stat -c %s e/x >/dev/null && rm e/x && rmdir e', 'e');
  // mkdir and rmdir change the parent's link count
  t.equal(await out('stat -c %h . >/dev/null && mkdir sub && stat -c %h .'), '4\n', 'mkdir: the parent has one more link');
  t.equal(await out('stat -c %h . >/dev/null && rmdir sub && stat -c %h .'), '3\n', 'rmdir: one less');
  t.equal(await out('ln -s target link && stat -c %N link'), "'link' -> 'target'\n", 'symlink');
});

/**
 * A process holding a file open for writing, told what to do line by line. It must not start
 * processes itself: a child inherits the descriptor, and its exit is a close (a flush) too.
 */
function writer(file: string): { step(cmd: string): Promise<void>; proc: ChildProcess } {
  const script = `
    const fs = require('fs');
    const fd = fs.openSync(${JSON.stringify(file)}, 'w');
    console.log('ok');
    require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
      if (line === 'close') fs.closeSync(fd);
      else fs.writeSync(fd, line);
      console.log('ok');
    });`;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const ok = async (): Promise<void> => {
    const line = await answers.next();
    if (line.value !== 'ok') throw new Error(`the writer answered ${String(line.value)}`);
  };
  const opened = ok();
  return {
    proc,
    step: async (cmd: string) => {
      await opened;
      if (cmd !== 'open') {
        proc.stdin.write(`${cmd}\n`);
        await ok();
      }
    },
  };
}

t.test('ls -l during a write shows the size written so far, and the final size and time after close', { skip }, async (t) => {
  const { cluster, mnt: a } = await cachedMount(t);
  const w = writer(`${a.dir}/w`);
  t.teardown(() => w.proc.kill());
  const size = async (): Promise<string> => (await a.sh("stat -c %s w && ls -l w | awk '{print $5}'")).stdout;
  await w.step('open');
  t.equal(await size(), '0\n0\n');
  await w.step('abc');
  t.equal(await size(), '3\n3\n', 'the size written so far');
  await w.step('defg');
  t.equal((await a.sh('ls -ln | awk \'$9 == "w" {print $5}\'')).stdout, '7\n', 'ls -l of the directory');
  const whileOpen = (await a.sh('stat -c %y w')).stdout;
  // the data reaches the master at close, later than the file was made
  await new Promise((resolve) => setTimeout(resolve, 300));
  await w.step('close');
  const closed = (await a.sh('stat -c "%s %y" w')).stdout;
  t.equal(closed.split(' ')[0], '7', 'the size after close');
  t.not(closed.slice(2), whileOpen, 'the modification time moved on at close');
  // a mount that never looked at the file asks the master: the same time
  const b = await mount(t, cluster);
  t.equal((await b.sh('stat -c %y w')).stdout, closed.slice(2), "the time after close is the master's");
});
