// A WebSocket RPC server: one Peer per connection, plain or TLS.
//
// Connection slots. Until a connection has made a call that succeeded (a valid session
// token, join secret or capability: it is one of the cluster's own), it is unproven: an
// address may hold `maxConnectionsPerAddress` unproven connections, counted from the TCP
// accept, and one more evicts its oldest unproven one, so a flood from an address cannot
// keep a member behind the same address (a NAT, a host running nodes and mounts) out. An
// unproven connection must finish its handshake within `handshakeTimeoutMs` and make a
// successful call within `proveWithinMs`; every connection is closed after `idleTimeoutMs`
// with nothing received and nothing in flight (clients dial again on their next call), and
// a message must arrive whole within `messageTimeoutMs` of its first byte.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULTS } from '../defaults.js';
import type { RpcMetrics } from './metrics.js';
import { MessageDeadline } from './message-deadline.js';
import { Peer, type Handlers, type PeerOptions } from './peer.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export interface RpcServerOptions<C> extends PeerOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  handlers: Handlers<C>;
  newContext: () => C;
  tls?: TlsFiles;
  /** Unproven connections one remote address may hold at once, counted from the TCP accept (see the file comment). */
  maxConnectionsPerAddress?: number;
  /** Deadlines (see the file comment); each defaults to DEFAULTS' value of the same name. */
  handshakeTimeoutMs?: number;
  proveWithinMs?: number;
  messageTimeoutMs?: number;
  onConnect?: (peer: Peer<C>) => void;
  onDisconnect?: (peer: Peer<C>) => void;
  /** Plain-HTTP routes answered on the same port; true when handled. */
  httpHandler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Request metrics, also served as GET /metrics. */
  metrics?: RpcMetrics;
}

/** One TCP connection, from its accept to its close. */
interface Slot {
  address: string;
  socket: Socket;
  /** Its deadline: the handshake, then the first successful call. */
  timer?: NodeJS.Timeout;
  proven: boolean;
}

export class RpcServer<C> {
  readonly peers = new Set<Peer<C>>();
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  /** Unproven connections of each address, oldest first. */
  private readonly unproven = new Map<string, Set<Slot>>();
  /** Every connection by its remote address and port (a TLS socket has the same as the TCP one under it). */
  private readonly slots = new Map<string, Slot>();
  private readonly handshakeMs: number;

  constructor(private readonly options: RpcServerOptions<C>) {
    const metrics = options.metrics;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (options.httpHandler?.(req, res)) return;
      if (metrics && req.method === 'GET' && req.url === '/metrics') {
        metrics.render().then(
          (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
          () => res.writeHead(500).end(),
        );
        return;
      }
      res.writeHead(426, { 'content-type': 'text/plain' }).end('dfs speaks WebSocket here\n');
    };
    this.handshakeMs = options.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs;
    // Node checks these only every connectionsCheckingInterval (30 s by default): check often
    const timeouts = {
      headersTimeout: this.handshakeMs,
      requestTimeout: this.handshakeMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, this.handshakeMs / 4)),
    };
    this.http = options.tls
      ? https.createServer({ cert: options.tls.cert, key: options.tls.key, handshakeTimeout: this.handshakeMs, ...timeouts }, onRequest)
      : http.createServer(timeouts, onRequest);
    // a plain HTTP request (metrics, health) is not a silent socket: Node's timeouts govern it
    this.http.on('request', (req: http.IncomingMessage) => this.settle(this.slotOf(req.socket)));
    // Counted at the TCP accept, so sockets that never finish a handshake count too.
    this.http.on('connection', (socket: Socket) => this.admit(socket));
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    this.wss.on('connection', (ws, req) => this.accept(ws, req.socket));
    // ws re-emits the HTTP server's errors; listen() reports those (EADDRINUSE), and an
    // unheard 'error' event would end the process with a stack trace instead
    this.wss.on('error', () => undefined);
  }

  private slotKey(socket: Socket): string {
    return `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
  }

  private slotOf(socket: Socket): Slot | undefined {
    return this.slots.get(this.slotKey(socket));
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const limit = this.options.maxConnectionsPerAddress ?? DEFAULTS.maxConnectionsPerAddress;
    let mine = this.unproven.get(address);
    if (!mine) {
      mine = new Set();
      this.unproven.set(address, mine);
    }
    if (mine.size >= limit) {
      // the oldest unproven one makes room: the newest may be a member about to prove itself
      const oldest = mine.values().next().value as Slot;
      this.uncount(oldest);
      oldest.socket.destroy();
    }
    const slot: Slot = { address, socket, proven: false };
    mine.add(slot);
    const key = this.slotKey(socket);
    this.slots.set(key, slot);
    // a socket that says nothing at all is no HTTP request, and Node's own timeouts never see it
    slot.timer = setTimeout(() => socket.destroy(), this.handshakeMs);
    slot.timer.unref();
    socket.once('close', () => {
      this.uncount(slot);
      if (this.slots.get(key) === slot) this.slots.delete(key);
    });
  }

  /** The slot no longer waits for its handshake. */
  private settle(slot: Slot | undefined): void {
    if (slot?.timer) clearTimeout(slot.timer);
    if (slot) slot.timer = undefined;
  }

  /** The slot no longer counts against its address: proven, evicted or closed. */
  private uncount(slot: Slot): void {
    this.settle(slot);
    if (slot.proven) return;
    slot.proven = true;
    const mine = this.unproven.get(slot.address);
    mine?.delete(slot);
    if (mine?.size === 0) this.unproven.delete(slot.address);
  }

  private accept(ws: WebSocket, socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const slot = this.slotOf(socket);
    this.settle(slot);
    if (slot && !slot.proven) {
      slot.timer = setTimeout(() => ws.close(1008, 'no successful call in time'), this.options.proveWithinMs ?? DEFAULTS.proveWithinMs);
      slot.timer.unref();
    }
    new MessageDeadline(
      socket,
      this.options.messageTimeoutMs ?? DEFAULTS.messageTimeoutMs,
      () => socket.isPaused(),
      () => {
        ws.close(1008, 'a message took too long to arrive');
        ws.terminate();
      },
    );
    const peerOptions: PeerOptions = {
      ...this.options,
      observe: this.options.metrics?.observe,
      idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULTS.idleConnectionMs,
      onSuccess: () => slot && this.uncount(slot),
    };
    const peer = new Peer<C>(ws, this.options.handlers, this.options.newContext(), peerOptions, address);
    this.peers.add(peer);
    this.options.metrics?.connections.inc();
    ws.on('close', () => {
      this.options.metrics?.connections.dec();
      this.peers.delete(peer);
      this.options.onDisconnect?.(peer);
    });
    this.options.onConnect?.(peer);
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  get url(): string {
    const a = this.http.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `${this.options.tls ? 'wss' : 'ws'}://${host}:${a.port}`;
  }

  /**
   * Graceful stop: no new connections, requests being served are answered (for up to
   * `graceMs`), then every connection is closed.
   */
  async close(graceMs = 5000): Promise<void> {
    this.http.close();
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all([...this.peers].map((p) => p.drain())), deadline]);
      clearTimeout(timer);
    }
    for (const p of this.peers) p.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
