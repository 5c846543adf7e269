// Hostile bytes at the master and a storage node: each gets an error reply or a closed
// connection, and the server goes on serving a normal client.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { WebSocket } from 'ws';
import { decodeFrame, encodeFrame, FRAME_KIND } from '../../src/rpc/frame.js';
import { spawnCluster } from '../helpers/cluster.js';

interface Outcome {
  replies: Buffer[];
  closed?: number;
}

/** Sends raw messages on a fresh socket; resolves with what came back within `ms`. */
function poke(url: string, send: (ws: WebSocket) => void, ms = 400): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const out: Outcome = { replies: [] };
    ws.on('message', (d: Buffer) => out.replies.push(d));
    ws.on('close', (code) => {
      out.closed = code;
    });
    ws.on('error', () => undefined);
    ws.on('open', () => {
      send(ws);
      setTimeout(() => {
        ws.terminate();
        resolve(out);
      }, ms);
    });
    ws.once('unexpected-response', () => reject(new Error('handshake refused')));
  });
}

const req = (id: number, method: string, meta: Record<string, unknown> = {}, payload?: Buffer): Buffer => Buffer.concat(encodeFrame(FRAME_KIND.request, id, method, meta, payload));

t.test('master and storage node survive bad input', async (t) => {
  const cluster = await spawnCluster(t, { nodes: 1 });
  const c = await cluster.client();
  const h = await c.create('/keep', 0o644);
  await h.write(0, Buffer.from('still here'));
  await h.close();
  const storageUrl = (await c.status()).nodes[0].url;

  for (const [who, url] of [
    ['master', cluster.url],
    ['storage', storageUrl],
  ] as const) {
    const random = await poke(url, (ws) => ws.send(randomBytes(64)));
    t.ok(random.closed !== undefined || random.replies.length > 0, `${who}: random bytes → closed or answered`);

    const truncated = await poke(url, (ws) => ws.send(req(1, 'fs.getattr').subarray(0, 7)));
    t.equal(truncated.closed, 1002, `${who}: truncated header → protocol error close`);

    const huge = req(2, 'fs.getattr');
    huge.writeUInt32BE(0xfffffff0, 6 + 'fs.getattr'.length);
    const lying = await poke(url, (ws) => ws.send(huge));
    t.equal(lying.closed, 1002, `${who}: header claiming a huge length → closed`);

    const unknown = await poke(url, (ws) => ws.send(req(3, 'no.suchMethod')));
    t.equal(unknown.replies.length, 1, `${who}: unknown method → one reply`);
    const f = decodeFrame(unknown.replies[0]);
    t.same([f.kind, f.id, f.meta.code], [FRAME_KIND.error, 3, 'ENOSYS'], `${who}: ENOSYS error reply`);

    const mistyped = who === 'master' ? req(4, 'auth.login', { user: 42 }) : req(4, 'block.get', { id: 42, cap: [] });
    const badMeta = await poke(url, (ws) => ws.send(mistyped));
    t.equal(decodeFrame(badMeta.replies[0]).meta.code, 'EINVAL', `${who}: mistyped fields → EINVAL`);

    const text = await poke(url, (ws) => ws.send('hello'));
    t.equal(text.closed, 1002, `${who}: a text message → closed`);

    const oversize = await poke(url, (ws) => ws.send(Buffer.alloc(20 * 1024 * 1024)), 1500);
    t.equal(oversize.closed, 1009, `${who}: a message over the size limit → closed (1009)`);

    const flood = await poke(
      url,
      (ws) => {
        for (let i = 0; i < 2000; i++) ws.send(req(100 + i, 'fs.getattr', { path: '/' }));
      },
      1500,
    );
    t.ok(flood.replies.length > 0 && flood.replies.length <= 2000, `${who}: a flood gets replies (${flood.replies.length}), not a crash`);
  }

  t.equal(cluster.proc.exitCode, null, 'the cluster process is still running');
  const again = await cluster.client();
  const r = await again.openFile('/keep', { read: true, write: false });
  t.equal((await r.read(0, 100)).toString(), 'still here', 'a normal client reads its file afterwards');
  await r.close();
});
