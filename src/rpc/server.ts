// A WebSocket RPC server: one Peer per connection, plain or TLS.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULTS } from '../defaults.js';
import type { RpcMetrics } from './metrics.js';
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
  /** Connections one remote address may hold at once, counted from the TCP accept. */
  maxConnectionsPerAddress?: number;
  onConnect?: (peer: Peer<C>) => void;
  onDisconnect?: (peer: Peer<C>) => void;
  /** Plain-HTTP routes answered on the same port; true when handled. */
  httpHandler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Request metrics, also served as GET /metrics. */
  metrics?: RpcMetrics;
}

export class RpcServer<C> {
  readonly peers = new Set<Peer<C>>();
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly perAddress = new Map<string, number>();

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
    const timeouts = { headersTimeout: DEFAULTS.handshakeTimeoutMs, requestTimeout: DEFAULTS.handshakeTimeoutMs };
    this.http = options.tls
      ? https.createServer(
          { cert: options.tls.cert, key: options.tls.key, handshakeTimeout: DEFAULTS.handshakeTimeoutMs, ...timeouts },
          onRequest,
        )
      : http.createServer(timeouts, onRequest);
    // Counted at the TCP accept, so sockets that never finish a handshake count too.
    this.http.on('connection', (socket: Socket) => this.admit(socket));
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    this.wss.on('connection', (ws, req) => this.accept(ws, req.socket.remoteAddress ?? ''));
    // ws re-emits the HTTP server's errors; listen() reports those (EADDRINUSE), and an
    // unheard 'error' event would end the process with a stack trace instead
    this.wss.on('error', () => undefined);
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const limit = this.options.maxConnectionsPerAddress ?? DEFAULTS.maxConnectionsPerAddress;
    const count = this.perAddress.get(address) ?? 0;
    if (count >= limit) {
      socket.destroy();
      return;
    }
    this.perAddress.set(address, count + 1);
    socket.once('close', () => {
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    });
  }

  private accept(ws: WebSocket, address: string): void {
    const peer = new Peer<C>(ws, this.options.handlers, this.options.newContext(), { ...this.options, observe: this.options.metrics?.observe }, address);
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
