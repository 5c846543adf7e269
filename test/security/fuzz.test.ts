// Fuzzing the master and a storage node of a real `dfs up` process with thousands of
// random and mutated frames (seeded, so a failure can be replayed), from a logged-in user
// who owns nothing, plus raw TCP garbage. Every connection must get exactly one reply per
// well-formed request, or be closed (1002/1009) after a malformed frame; the process must
// stay up with bounded memory; and another user's files must be intact afterwards.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { WebSocket } from 'ws';
import { DEFAULTS } from '../../src/defaults.js';
import { decodeFrame, encodeFrame, FRAME_KIND, type Meta } from '../../src/rpc/frame.js';
import { spawnCluster } from '../helpers/cluster.js';
import { sha } from '../helpers/bytes.js';

const SEED = Number(process.env.DFS_FUZZ_SEED ?? 0x5eed);
const FRAME_BUDGET = 6000;
const TIME_BUDGET_MS = 20_000;
const WORKERS = 6;
const MiB = 1024 * 1024;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    return this.bytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n);
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** Values of every JSON type, including the awkward ones. */
  value(depth = 0): unknown {
    switch (this.int(depth > 2 ? 7 : 10)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5, 0o7777, 4096]);
      case 3:
        return this.pick(['', '/', '/..', '/owner/a', '/owner/big', '/owner/secret', '/x/../y', 'a\0b', '.', '..', 'x'.repeat(300), 'é'.repeat(200)]);
      case 4:
        return this.bytes(this.int(40)).toString('latin1');
      case 5:
        return this.hex(this.int(40));
      case 6:
        return this.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
      case 7:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i--) o[this.pick(FIELDS)] = this.value(depth + 1);
        return o;
      }
    }
  }
}

const MASTER_METHODS = [
  'fs.getattr',
  'fs.readdir',
  'fs.mkdir',
  'fs.create',
  'fs.open',
  'fs.blocks',
  'fs.allocate',
  'fs.commit',
  'fs.replace',
  'fs.unlink',
  'fs.rmdir',
  'fs.rename',
  'fs.chmod',
  'fs.chown',
  'fs.utimens',
  'fs.symlink',
  'fs.readlink',
  'fs.link',
  'fs.access',
  'fs.setreplicas',
  'fs.statfs',
  'cluster.status',
  'block.corrupt',
  'auth.whoami',
  'auth.login',
  'user.list',
  'user.add',
  'group.list',
  'group.add',
  'group.adduser',
  'session.list',
  'session.revoke',
  'mfa.enable',
  'mfa.confirm',
  'node.register',
  'node.heartbeat',
  'no.suchMethod',
  'constructor',
  'toString',
];
const STORAGE_METHODS = ['block.get', 'block.put', 'block.delete', 'block.list', 'block.replicate', 'no.such', 'hasOwnProperty'];
const FIELDS = [
  'path',
  'from',
  'to',
  'target',
  'mode',
  'uid',
  'gid',
  'ino',
  'ticket',
  'id',
  'cap',
  'ids',
  'count',
  'size',
  'blocks',
  'index',
  'nodes',
  'read',
  'write',
  'truncate',
  'exclusive',
  'follow',
  'user',
  'password',
  'totp',
  'name',
  'group',
  'code',
  'secret',
  'url',
  'capacity',
  'used',
  'blockCount',
  'atime',
  'mtime',
  'replicas',
  'exclude',
  'node',
  'token',
  'limit',
  'cursor',
  'end',
  'offset',
  'length',
];

interface Planned {
  frame: Buffer;
  /** What the server must do: answer it, ignore it (a reply-kind frame), or close (1002 or 1009). */
  expect: 'reply' | 'none' | 'close';
}

/** Classifies a frame the way the server's codec will. */
function plan(frame: Buffer, maxMessage: number): Planned {
  if (frame.length > maxMessage) return { frame, expect: 'close' };
  try {
    const f = decodeFrame(frame);
    return { frame, expect: f.kind === FRAME_KIND.request ? 'reply' : 'none' };
  } catch {
    return { frame, expect: 'close' };
  }
}

function request(g: Gen, id: number, methods: readonly string[], token: string, extra: Meta = {}): Buffer {
  const meta: Meta = { ...extra };
  for (let i = g.int(6); i > 0; i--) meta[g.pick(FIELDS)] = g.value();
  if (g.chance(0.8)) meta.token = token;
  const payload = g.chance(0.2) ? g.bytes(g.int(g.chance(0.1) ? 256 * 1024 : 2048)) : undefined;
  return Buffer.concat(encodeFrame(FRAME_KIND.request, id, g.pick(methods), meta, payload));
}

function mutate(g: Gen, buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  switch (g.int(8)) {
    case 0: // flip bits
      for (let i = 1 + g.int(4); i > 0; i--) if (b.length) b[g.int(b.length)] ^= 1 << g.int(8);
      return b;
    case 1: // truncate, often inside the header
      return b.subarray(0, g.int(Math.min(b.length, g.chance(0.5) ? 12 : b.length)));
    case 2: {
      // a length field claiming far more than there is
      const mlen = b.length > 5 ? b[5] : 0;
      if (b.length >= 10 + mlen) b.writeUInt32BE(g.pick([0xffffffff, 0x7fffffff, b.length, b.length - 9 - mlen]), 6 + mlen);
      return b;
    }
    case 3: // a method length past the end
      if (b.length > 5) b[5] = g.int(256);
      return b;
    case 4: // an unknown kind
      b[0] = g.int(256);
      return b;
    case 5: // garbage appended (lands in the payload: still well-formed)
      return Buffer.concat([b, g.bytes(g.int(512))]);
    case 6: // JSON broken in the middle
      if (b.length > 12) b[10 + g.int(b.length - 10)] = g.pick([0x7b, 0x22, 0x5c, 0x00, 0xff]);
      return b;
    default: // pure noise
      return g.bytes(g.int(64));
  }
}

/** Metadata that is expensive to parse or hold: deep nesting, many keys, long strings. */
function bomb(g: Gen, id: number, methods: readonly string[], token: string): Buffer {
  const kind = g.int(3);
  const m = Buffer.from(g.pick(methods));
  let json: string;
  if (kind === 0) json = '{"a":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}';
  else if (kind === 1) json = JSON.stringify(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])));
  else json = JSON.stringify({ token, path: '/' + 'p'.repeat(2 * MiB), password: 'x'.repeat(MiB) });
  const j = Buffer.from(json);
  const head = Buffer.alloc(10 + m.length);
  head.writeUInt8(FRAME_KIND.request, 0);
  head.writeUInt32BE(id, 1);
  head.writeUInt8(m.length, 5);
  m.copy(head, 6);
  head.writeUInt32BE(j.length, 6 + m.length);
  return Buffer.concat([head, j]);
}

interface Outcome {
  sent: number;
  expected: number;
  replies: number;
  badReplies: number;
  closeCode?: number;
  expectClose: boolean;
  openFailed?: string;
}

/** One connection: sends a batch (a malformed frame, if any, last) and waits for the answers. */
function runConnection(url: string, frames: Planned[], waitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { maxPayload: 64 * MiB });
    const expected = frames.filter((f) => f.expect === 'reply').length;
    const out: Outcome = { sent: frames.length, expected, replies: 0, badReplies: 0, expectClose: frames.some((f) => f.expect === 'close') };
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(out);
    };
    ws.on('error', (err) => {
      out.openFailed ??= err.message;
    });
    ws.on('message', (d: Buffer) => {
      try {
        const f = decodeFrame(d);
        if (f.kind === FRAME_KIND.request) out.badReplies++;
        else out.replies++;
      } catch {
        out.badReplies++;
      }
      if (!out.expectClose && out.replies >= expected) finish();
    });
    ws.on('close', (code) => {
      out.closeCode = code;
      finish();
    });
    ws.on('open', () => {
      for (const f of frames) ws.send(f.frame, { binary: true });
      if (!out.expectClose && expected === 0) {
        timer = setTimeout(finish, 200);
        return;
      }
      timer = setTimeout(finish, waitMs);
    });
  });
}

/** Raw TCP that never becomes a WebSocket: noise, half an HTTP request, a bad upgrade. */
function rawGarbage(g: Gen, port: number): Promise<void> {
  // drawn now, not in the callbacks, so the sequence stays the seed's
  const which = g.int(4);
  const noise = g.bytes(1 + g.int(4096));
  const linger = 100 + g.int(300);
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = (): void => {
      sock.destroy();
      resolve();
    };
    sock.on('error', done);
    sock.on('close', done);
    sock.on('connect', () => {
      if (which === 0) sock.write(noise);
      else if (which === 1)
        sock.write('GET / HTTP/1.1\r\nHost: x\r\n'); // never finished
      else if (which === 2) sock.write('GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n');
      else sock.write(`POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n${'x'.repeat(1000)}`);
      setTimeout(done, linger);
    });
  });
}

function rssBytes(pid: number): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) * 1024 : 0;
}

function healthz(url: string): Promise<number> {
  const u = new URL(url.replace(/^ws/, 'http'));
  return new Promise((resolve) => {
    http
      .get({ host: u.hostname, port: u.port, path: '/healthz' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', () => resolve(0));
  });
}

t.test(`fuzzing master and storage node (seed ${SEED})`, async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1 });
  const pid = cluster.proc.pid!;
  const admin = await cluster.client();
  await admin.addUser('owner', 'owner-password');
  await admin.addUser('fuzzer', 'fuzzer-password');
  const owner = await cluster.client(); // replaced below by the owner's own session
  await owner.login('owner', 'owner-password');
  const fuzzer = await cluster.client();
  await fuzzer.login('fuzzer', 'fuzzer-password');
  const token = fuzzer.token!;

  await owner.mkdir('/owner', 0o755);
  const files = new Map<string, Buffer>([
    ['/owner/a', Buffer.from('a small file\n')],
    ['/owner/big', randomBytes(5 * MiB + 123)],
    ['/owner/secret', randomBytes(70_000)],
  ]);
  for (const [p, data] of files) {
    const h = await owner.create(p, p.endsWith('secret') ? 0o600 : 0o644);
    await h.write(0, data);
    await h.close();
  }
  const storageUrl = (await admin.status()).nodes[0].url;
  const masterPort = Number(new URL(cluster.url).port);
  const storagePort = Number(new URL(storageUrl).port);

  const g = new Gen(prng(SEED));
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process is gone: the checks below say so
    }
  }, 100);
  t.teardown(() => clearInterval(sampler));

  const outcomes: { target: string; o: Outcome; seq: number }[] = [];
  let budget = FRAME_BUDGET;
  let seq = 0;
  let garbage = 0;
  const deadline = Date.now() + TIME_BUDGET_MS;
  // Each batch is drawn whole, synchronously, before its worker waits: batch k is the same
  // for a seed however the workers interleave.
  const worker = async (): Promise<void> => {
    while (budget > 0 && Date.now() < deadline) {
      const mySeq = seq++;
      if (g.chance(0.1)) {
        garbage++;
        await rawGarbage(g, g.chance(0.5) ? masterPort : storagePort);
        continue;
      }
      const toMaster = g.chance(0.65);
      const url = toMaster ? cluster.url : storageUrl;
      const methods = toMaster ? MASTER_METHODS : STORAGE_METHODS;
      const max = toMaster ? DEFAULTS.masterMaxMessage : DEFAULTS.storageMaxMessage;
      const n = 1 + g.int(g.chance(0.1) ? 400 : 40); // now and then a flood on one connection
      const frames: Planned[] = [];
      for (let i = 0; i < n; i++) {
        const id = g.chance(0.05) ? g.pick([0, 0xffffffff, 7]) : 1 + g.int(0xfffffffe); // duplicate and edge ids too
        const extra: Meta = !toMaster && g.chance(0.5) ? { id: g.hex(32), cap: `${Date.now() + 60_000}.${g.hex(43)}` } : {};
        frames.push(plan(request(g, id, methods, token, extra), max));
      }
      if (g.chance(0.03)) frames.push(plan(bomb(g, 1, methods, token), max));
      if (g.chance(0.02)) frames.push(plan(Buffer.alloc(max + 1 + g.int(1000)), max)); // over the size limit
      // the mutated frame goes last: after a malformed one the connection is closed
      if (g.chance(0.5)) frames.push(plan(mutate(g, request(g, 1, methods, token)), max));
      budget -= frames.length;
      outcomes.push({ target: toMaster ? 'master' : 'storage', o: await runConnection(url, frames, 8000), seq: mySeq });
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  clearInterval(sampler);
  peak = Math.max(peak, rssBytes(pid));
  const sent = outcomes.reduce((n, x) => n + x.o.sent, 0);
  t.ok(sent >= 2000, `thousands of frames sent: ${sent} on ${outcomes.length} connections, ${garbage} raw TCP garbage connections`);

  let answeredAll = 0;
  let closedAsExpected = 0;
  const problems: string[] = [];
  for (const { target, o, seq: s } of outcomes) {
    const where = `${target} connection #${s}`;
    if (o.badReplies) problems.push(`${where}: ${o.badReplies} undecodable or request-kind replies`);
    if (o.expectClose) {
      if (o.closeCode === 1002 || o.closeCode === 1009) closedAsExpected++;
      else problems.push(`${where}: a malformed frame was not answered by a protocol close (close ${o.closeCode}, ${o.openFailed ?? ''})`);
      if (o.replies > o.expected) problems.push(`${where}: more replies (${o.replies}) than requests (${o.expected})`);
    } else if (o.replies === o.expected && o.closeCode === undefined) answeredAll++;
    else problems.push(`${where}: ${o.replies}/${o.expected} replies, close ${o.closeCode}, ${o.openFailed ?? ''}`);
  }
  t.same(problems.slice(0, 10), [], `every request answered once (${answeredAll} connections), every malformed frame closed (${closedAsExpected})`);

  t.equal(cluster.proc.exitCode, null, 'the server process is still running');
  t.equal(await healthz(cluster.url), 200, 'the master answers /healthz');
  t.equal(await healthz(storageUrl), 200, 'the storage node answers /healthz');
  const growth = peak - baseline;
  t.ok(growth < 256 * MiB, `memory stayed bounded: RSS ${Math.round(baseline / MiB)} MiB → peak ${Math.round(peak / MiB)} MiB`);

  // a normal client's files are intact, and the cluster still takes new ones
  for (const [p, data] of files) {
    const h = await owner.openFile(p, { read: true, write: false });
    const got = await h.read(0, data.length + 1);
    await h.close();
    t.equal(sha(got), sha(data), `${p} is intact`);
  }
  t.same((await owner.readdir('/owner')).map((e) => e.name).sort(), ['a', 'big', 'secret'], 'nothing was added to or removed from /owner');
  const fresh = randomBytes(MiB);
  const w = await owner.create('/owner/after', 0o644);
  await w.write(0, fresh);
  await w.close();
  const r = await owner.openFile('/owner/after', { read: true, write: false });
  t.equal(sha(await r.read(0, MiB)), sha(fresh), 'a new file round-trips after the fuzzing');
  await r.close();
});
