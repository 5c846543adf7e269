// Connection slots and deadlines: a silent socket, an unfinished handshake, an idle
// WebSocket, a connection that never makes a good call, and a message sent a byte at a time
// are all closed in their time, and the per-address limit counts only connections that have
// not proved themselves, evicting the oldest, so members behind a flooding address get in.
import net from 'node:net';
import t from 'tap';
import { WebSocket } from 'ws';
import { Master } from '../../src/master/master.js';
import { RpcClient } from '../../src/rpc/client.js';
import { DfsError } from '../../src/rpc/errors.js';
import { encodeFrame, FRAME_KIND } from '../../src/rpc/frame.js';
import { RpcServer, type RpcServerOptions } from '../../src/rpc/server.js';
import { tempDir, type Teardown } from '../helpers/cluster.js';
import { eventually } from '../helpers/split-cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function server(t: Teardown, o: Partial<RpcServerOptions<undefined>> = {}): Promise<{ url: string; port: number }> {
  const s = new RpcServer<undefined>({
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 8 * 1024 * 1024,
    newContext: () => undefined,
    handlers: {
      ping: () => ({ meta: { pong: true } }),
      refuse: () => {
        throw new DfsError('EACCES', 'no');
      },
      wait: async () => void (await sleep(800)),
    },
    ...o,
  });
  const a = await s.listen();
  t.teardown(() => s.close(0));
  return { url: s.url, port: a.port };
}

/** Resolves with how long the socket stayed open, or 'open' if it still is after `ms`. */
function lifetime(s: net.Socket | WebSocket, ms: number): Promise<number | 'open'> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

function rawSocket(t: Teardown, port: number): net.Socket {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  t.teardown(() => s.destroy());
  return s;
}

async function webSocket(t: Teardown, url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  t.teardown(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

t.test('a silent TCP socket is closed at the handshake deadline (the default 10 s, at a master)', async (t) => {
  const m = new Master({ host: '127.0.0.1', port: 0, dataDir: tempDir(t), adminPassword: 'pw-pw-pw' });
  const { url } = await m.start();
  t.teardown(() => m.stop());
  // the bound is loose for a loaded machine (timers run late); before, such sockets lived 27-40 s or for ever
  const lived = await lifetime(rawSocket(t, Number(new URL(url).port)), 25_000);
  t.ok(lived !== 'open' && lived >= 9_500 && lived <= 20_000, `closed after ${String(lived)} ms`);
});

t.test('a half-sent handshake is closed at its deadline too', async (t) => {
  const { port } = await server(t, { handshakeTimeoutMs: 500 });
  const s = rawSocket(t, port);
  s.write('GET / HTTP/1.1\r\nHost: x\r\n');
  const lived = await lifetime(s, 8000);
  t.ok(lived !== 'open' && lived < 6000, `closed after ${String(lived)} ms`);
});

t.test('an idle WebSocket is closed, one with a call in flight is not', async (t) => {
  const { url } = await server(t, { idleTimeoutMs: 300 });
  const idle = await webSocket(t, url);
  idle.send(Buffer.concat(encodeFrame(FRAME_KIND.request, 1, 'ping', {})));
  const lived = await lifetime(idle, 8000);
  t.ok(lived !== 'open' && lived < 6000, `the idle one closed after ${String(lived)} ms`);
  const c = new RpcClient(url);
  t.teardown(() => c.close());
  await t.resolves(c.call('wait'), 'a call that outlasts the idle time is answered');
  await sleep(600);
  await t.resolves(c.call('ping'), 'and a client whose link was closed for idleness dials again');
});

t.test('a WebSocket that never makes a good call is closed; one that does stays', async (t) => {
  const { url } = await server(t, { proveWithinMs: 400 });
  const stranger = await webSocket(t, url);
  stranger.send(Buffer.concat(encodeFrame(FRAME_KIND.request, 1, 'refuse', {})));
  const lived = await lifetime(stranger, 8000);
  t.ok(lived !== 'open' && lived < 6000, `closed after ${String(lived)} ms`);
  const member = await webSocket(t, url);
  member.send(Buffer.concat(encodeFrame(FRAME_KIND.request, 1, 'ping', {})));
  t.equal(await lifetime(member, 1200), 'open', 'a connection whose call succeeded is kept');
});

t.test('a message sent a byte at a time is cut off at the message deadline', async (t) => {
  const { url } = await server(t, { messageTimeoutMs: 600 });
  const ws = await webSocket(t, url);
  const socket = (ws as unknown as { _socket: net.Socket })._socket;
  // a masked binary frame announcing 4 MiB (127 + 64-bit length), then a byte every 100 ms
  const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 2, 3, 4]);
  socket.write(header);
  const drip = setInterval(() => socket.write(Buffer.from([0])), 100);
  t.teardown(() => clearInterval(drip));
  const lived = await lifetime(ws, 8000);
  clearInterval(drip);
  t.ok(lived !== 'open' && lived < 6000, `closed after ${String(lived)} ms`);
  const c = new RpcClient(url);
  t.teardown(() => c.close());
  const big = Buffer.alloc(4 * 1024 * 1024);
  await t.resolves(c.call('ping', {}, big), 'a 4 MiB message sent at full speed is taken');
});

t.test('the per-address limit counts unproven connections only, and evicts the oldest', async (t) => {
  const { url, port } = await server(t, { maxConnectionsPerAddress: 8 });
  const members: RpcClient[] = [];
  t.teardown(() => members.forEach((c) => c.close()));
  for (let i = 0; i < 12; i++) {
    const c = new RpcClient(url);
    members.push(c);
    await c.call('ping');
  }
  t.pass('12 members from one address, past a limit of 8: they have proved themselves');
  const squatters = Array.from({ length: 10 }, () => rawSocket(t, port));
  await sleep(300);
  const late = new RpcClient(url);
  t.teardown(() => late.close());
  await t.resolves(late.call('ping'), 'a member that comes while the address is full of unproven sockets still gets in');
  await eventually('the oldest squatters to make room', () => (squatters.filter((s) => s.destroyed || s.readableEnded).length >= 3 ? true : undefined), 10_000);
  t.pass('the oldest squatters made room');
  for (const c of members) await t.resolves(c.call('ping'), 'the members were never evicted');
});
