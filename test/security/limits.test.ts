// Per-connection and per-address bounds of a server: a client that asks for far more than
// it reads cannot grow the server's memory (a master's metadata replies, a storage node's
// blocks), and one address cannot hold more than its share of connections.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import t from 'tap';
import { WebSocket } from 'ws';
import { sealedLength } from '../../src/protocol/block-format.js';
import { DEFAULTS } from '../../src/defaults.js';
import { decodeFrame, encodeFrame, FRAME_KIND } from '../../src/rpc/frame.js';
import { spawnCluster, type Teardown } from '../helpers/cluster.js';

const MiB = 1024 * 1024;

function rssBytes(pid: number): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) * 1024 : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `frames` to `url` on a socket that reads nothing, so replies pile up at the server
 * unless it stops taking requests; returns the socket (paused) and how far the server
 * process's RSS rose over `ms`.
 */
async function sendUnread(t: Teardown, url: string, pid: number, frames: Buffer[], ms: number): Promise<{ ws: WebSocket; grew: number }> {
  const baseline = rssBytes(pid);
  const ws = new WebSocket(url);
  t.teardown(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.pause();
  for (const f of frames) ws.send(f);
  let peak = baseline;
  for (let waited = 0; waited < ms; waited += 200) {
    await sleep(200);
    peak = Math.max(peak, rssBytes(pid));
  }
  return { ws, grew: peak - baseline };
}

t.test('a client that never reads its replies cannot grow the server’s memory', async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1 });
  const pid = cluster.proc.pid!;
  const admin = await cluster.client();
  // a directory whose listing is a big reply (~330 KiB of JSON), built afresh for each request
  await admin.mkdir('/wide', 0o755);
  for (let i = 0; i < 2000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => admin.mkdir(`/wide/entry-with-a-longish-name-${i + j}`, 0o755)));
  }
  const one = Buffer.concat(encodeFrame(FRAME_KIND.request, 1, 'fs.readdir', { token: admin.token, path: '/wide' }));
  const replyBytes = (await admin.callRaw('fs.readdir', { path: '/wide' })).meta.entries as unknown[];
  const perReply = JSON.stringify({ entries: replyBytes }).length;
  const requests = 3000;
  t.ok(perReply * requests > 900 * MiB, `unbounded, ${requests} unread replies would hold ${Math.round((perReply * requests) / MiB)} MiB`);

  const { ws, grew } = await sendUnread(
    t,
    cluster.url,
    pid,
    Array.from({ length: requests }, () => one),
    6000,
  );
  // the limit, plus the requests read before the pause, plus the heap's own slack
  const bound = DEFAULTS.maxServedBytesPerConnection + 128 * MiB;
  t.ok(grew < bound, `server RSS grew ${Math.round(grew / MiB)} MiB (bound ${Math.round(bound / MiB)} MiB)`);

  // once the client reads, everything it asked for is answered: paused, not dropped
  let replies = 0;
  let errors = 0;
  let otherErrors = 0;
  ws.on('message', (d: Buffer) => {
    const f = decodeFrame(d);
    if (f.kind === FRAME_KIND.ok) replies++;
    else if (f.meta.code === 'EAGAIN') errors++;
    else otherErrors++;
  });
  ws.resume();
  // ~1 GB of replies to build: generous, for a loaded CI machine (the loop ends when all arrive)
  const until = Date.now() + 180_000;
  while (replies + errors + otherErrors < requests && Date.now() < until) await sleep(100);
  // Requests read in one burst wait (up to the in-flight limit) or get EAGAIN, as a client
  // pipelining more than maxInflight always does; the rest stays in TCP buffers until read.
  t.equal(replies + errors, requests, `every request was answered once the client read (${replies} ok, ${errors} EAGAIN)`);
  t.ok(replies > DEFAULTS.maxInflightPerConnection, 'waiting requests were served, not dropped');
  t.equal(otherErrors, 0, 'no other errors');
  t.equal(cluster.proc.exitCode, null, 'the server is still up');
  t.equal((await admin.getattr('/wide')).type, 'dir', 'and serves others');
});

t.test('a client that asks a storage node for blocks it never reads cannot grow the node’s memory', async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1, replicas: 1 }); // a disk node: every read is a fresh 4 MiB buffer
  const pid = cluster.proc.pid!;
  const admin = await cluster.client();
  const data = randomBytes(4 * MiB);
  const h = await admin.create('/block', 0o644);
  await h.write(0, data);
  await h.close();
  const [b] = (await admin.callRaw('fs.open', { path: '/block', read: true, write: false })).meta.blocks as { id: string; cap: string; nodes: { url: string }[] }[];
  const requests = 200;
  const sealed = sealedLength(data.length);
  t.ok(requests * sealed > 4 * DEFAULTS.storageServedBytesPerConnection, `unbounded, the unread replies would hold ${Math.round((requests * sealed) / MiB)} MiB`);

  const frames = Array.from({ length: requests }, (_, i) => Buffer.concat(encodeFrame(FRAME_KIND.request, i + 1, 'block.get', { id: b.id, cap: b.cap })));
  const { ws, grew } = await sendUnread(t, b.nodes[0].url, pid, frames, 3000);
  const bound = DEFAULTS.storageServedBytesPerConnection + 128 * MiB;
  t.ok(grew < bound, `node RSS grew ${Math.round(grew / MiB)} MiB (bound ${Math.round(bound / MiB)} MiB)`);

  let whole = 0;
  let other = 0;
  ws.on('message', (d: Buffer) => {
    const f = decodeFrame(d);
    if (f.kind === FRAME_KIND.ok && f.payload.length === sealed) whole++;
    else other++;
  });
  ws.resume();
  const until = Date.now() + 120_000;
  while (whole + other < requests && Date.now() < until) await sleep(100);
  t.equal(whole, requests, 'once read, every request got the whole block: paused, not dropped');
  t.equal(other, 0, 'no errors');
  const back = await admin.openFile('/block', { read: true, write: false });
  t.ok((await back.read(0, data.length)).equals(data), 'and the node serves the file as before');
  await back.close();
});

t.test('one address may hold only so many connections, handshake or not', async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1 });
  const port = Number(new URL(cluster.url).port);
  const sockets: net.Socket[] = [];
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  let refused = 0;
  // the test process already holds a few (the cluster's own links come from 127.0.0.1 too)
  for (let i = 0; i < DEFAULTS.maxConnectionsPerAddress + 10; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    sockets.push(s);
  }
  await sleep(1000);
  for (const s of sockets) if (s.destroyed || s.readableEnded) refused++;
  t.ok(refused >= 10, `${refused} connections past the limit were closed at once`);
  for (const s of sockets) s.destroy();
  await sleep(300);
  const c = await cluster.client();
  t.equal((await c.getattr('/')).type, 'dir', 'a normal client connects again once they are gone');
});
