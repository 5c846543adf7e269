// SIGKILL the master in the middle of a stream of writes and metadata operations from
// several clients, then start it again: every operation that had been acknowledged is
// there, the one each client had in flight is either wholly there or wholly absent, and
// the namespace passes `dfs fsck`. Two rounds, with snapshots taken during the stream, so
// the second restart loads a snapshot and replays the journal after it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import t from 'tap';
import type { DfsClient } from '../../src/client/client.js';
import type { Attr } from '../../src/protocol/types.js';
import { eventually, splitCluster } from '../helpers/split-cluster.js';
import { sha } from '../helpers/bytes.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [0, 1, 1000, 64 * KiB, MiB + 3, 4 * MiB + 5];
interface Entry {
  type: 'dir' | 'file' | 'symlink';
  mode: number;
  sha?: string;
  target?: string;
  /** A file whose write was in flight: any readable content up to this size. */
  anyUpTo?: number;
}
type Model = Map<string, Entry>;

/** A small seeded generator, so a failing run can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  acked: number;
  /** Models the subtree may be in: just one when the worker stopped between operations. */
  candidates: Model[];
}

/** One client's stream of operations under `root`, until an operation fails (the master died). */
async function worker(c: DfsClient, root: string, seed: number, stop: { now: boolean; acked: number }): Promise<Outcome> {
  const rand = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const m: Model = new Map();
  await c.mkdir(root, 0o755);
  let acked = 0;
  let n = 0;
  for (;;) {
    if (stop.now) return { acked, candidates: [m] };
    const dirs = [root, ...[...m].filter(([, e]) => e.type === 'dir').map(([p]) => p)];
    const files = [...m].filter(([, e]) => e.type === 'file').map(([p]) => p);
    const emptyDirs = dirs.filter((d) => d !== root && ![...m.keys()].some((p) => p.startsWith(`${d}/`)));
    const k = rand();
    const name = `${pick(dirs)}/n${n++}`;
    const after = new Map(m);
    let run: () => Promise<void>;
    let uncertain: () => Model[] = () => [new Map(m), after];
    if (k < 0.15) {
      const mode = pick([0o755, 0o700]);
      after.set(name, { type: 'dir', mode });
      run = async () => void (await c.mkdir(name, mode));
    } else if (k < 0.55 || files.length === 0) {
      const mode = pick([0o644, 0o600]);
      const data = randomBytes(pick(SIZES));
      after.set(name, { type: 'file', mode, sha: sha(data) });
      let created = false;
      run = async () => {
        const h = await c.create(name, mode, { read: false, write: true, exclusive: true });
        created = true;
        await h.write(0, data);
        await h.close();
      };
      uncertain = () => {
        const any = new Map(m).set(name, { type: 'file', mode, anyUpTo: data.length });
        return created ? [any] : [new Map(m), any];
      };
    } else if (k < 0.7) {
      const from = pick(files);
      after.delete(from);
      after.set(name, m.get(from)!);
      run = () => c.rename(from, name);
    } else if (k < 0.8) {
      const p = pick([...files, ...dirs.filter((d) => d !== root)]);
      const e = m.get(p)!;
      const mode = e.type === 'dir' ? pick([0o755, 0o750]) : pick([0o640, 0o604]);
      after.set(p, { ...e, mode });
      run = async () => void (await c.chmod(p, mode));
    } else if (k < 0.9) {
      const p = pick(files);
      after.delete(p);
      run = () => c.unlink(p);
    } else if (k < 0.95 || emptyDirs.length === 0) {
      const target = `/elsewhere/t${n}`;
      after.set(name, { type: 'symlink', mode: 0o777, target });
      run = async () => void (await c.symlink(target, name));
    } else {
      const d = pick(emptyDirs);
      after.delete(d);
      run = () => c.rmdir(d);
    }
    try {
      await run();
    } catch {
      return { acked, candidates: uncertain() };
    }
    for (const k2 of [...m.keys()]) if (!after.has(k2)) m.delete(k2);
    for (const [p, e] of after) m.set(p, e);
    acked++;
    stop.acked++;
  }
}

interface Seen {
  type: Attr['type'];
  mode: number;
  size: number;
  sha?: string;
  target?: string;
}

/** What the cluster holds under `root`, content digests included. */
async function observe(c: DfsClient, root: string): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await c.readdir(dir)) {
      const p = `${dir}/${e.name}`;
      const s: Seen = { type: e.attr.type, mode: e.attr.mode & 0o7777, size: e.attr.size };
      if (e.attr.type === 'dir') await walk(p);
      else if (e.attr.type === 'symlink') s.target = await c.readlink(p);
      else {
        const h = await c.openFile(p, { read: true, write: false });
        s.sha = sha(await h.read(0, h.size));
        await h.close();
      }
      out.set(p, s);
    }
  };
  await walk(root);
  return out;
}

function matches(seen: Map<string, Seen>, m: Model): string | undefined {
  for (const p of m.keys()) if (!seen.has(p)) return `${p} is missing`;
  for (const [p, s] of seen) {
    const e = m.get(p);
    if (!e) return `${p} should not exist`;
    if (e.type !== s.type || e.mode !== s.mode) return `${p} is ${s.type} ${s.mode.toString(8)}, want ${e.type} ${e.mode.toString(8)}`;
    if (e.sha !== undefined && e.sha !== s.sha) return `${p} has other content`;
    if (e.anyUpTo !== undefined && s.size > e.anyUpTo) return `${p} is larger than was ever written`;
    if (e.target !== undefined && e.target !== s.target) return `${p} points elsewhere`;
  }
  return undefined;
}

t.test('SIGKILL the master under load, twice: acknowledged operations survive, nothing is half there', async (t) => {
  const cl = await splitCluster(t, { nodes: 3, replicas: 2, masterArgs: ['--snapshot-every', '50'] });
  const verified: { root: string; seen: Map<string, Seen> }[] = [];
  for (const round of [1, 2]) {
    const clients = await Promise.all([0, 1, 2, 3].map(() => cl.client()));
    const stop = { now: false, acked: 0 };
    const seed = Date.now() + round;
    t.comment(`round ${round}: seed ${seed}`);
    const running = clients.map((c, i) => worker(c, `/r${round}c${i}`, seed + i, stop));
    // let the stream run (at least 20 acknowledged operations, however loaded the machine
    // is), then kill the master in the middle of it
    for (let waited = 0; stop.acked < 20 && waited < 60_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500 + Math.floor(Math.random() * 1500)));
    await cl.master!.stop('SIGKILL');
    const outcomes = await Promise.all(running);
    for (const c of clients) c.close();
    const acked = outcomes.reduce((n, o) => n + o.acked, 0);
    t.ok(acked >= 20, `round ${round}: ${acked} operations acknowledged before the kill`);

    await cl.startMaster();
    await cl.settle();
    const admin = await cl.client();
    for (const [i, o] of outcomes.entries()) {
      const root = `/r${round}c${i}`;
      const seen = await observe(admin, root);
      const why = o.candidates.map((m) => matches(seen, m));
      t.ok(
        why.some((w) => w === undefined),
        `${root}: matches acknowledged state (${why.join('; ')})`,
      );
      verified.push({ root, seen });
    }
    // what an earlier round left is exactly as it was
    for (const v of verified) t.same(await observe(admin, v.root), v.seen, `${v.root} unchanged after round ${round}`);
    const fsck = await eventually(
      'fsck to pass',
      async () => {
        const r = await cl.dfs(['fsck', '/']);
        return r.code === 0 ? r : undefined;
      },
      60_000,
    );
    t.match(fsck.stdout, /HEALTHY/, `round ${round}: fsck passes`);
  }
  t.ok(
    fs.readdirSync(cl.masterDir).some((f) => /^snapshot-\d+\.dfs$/.test(f)),
    'snapshots were taken during the stream',
  );
});
