// One end of a WebSocket carrying dfs frames. Symmetric: either side may send requests
// and serve them, so a storage node's registration link doubles as the master's control
// channel. Many requests are in flight at once, matched by id.
import { REASON } from '../protocol/reasons.js';
import type { WebSocket, RawData } from 'ws';
import { DfsError, toDfsError } from './errors.js';
import { decodeFragments, encodeFrame, FRAME_KIND, type Meta } from './frame.js';
import { DEFAULTS } from '../defaults.js';
import type { RequestObserver } from './metrics.js';

export interface Reply {
  meta?: Meta;
  payload?: Buffer;
}
export interface Incoming {
  meta: Meta;
  payload: Buffer;
}
export type Handler<C> = (req: Incoming, peer: Peer<C>) => Promise<Reply | void> | Reply | void;
export type Handlers<C> = Record<string, Handler<C>>;

const REASON_RE = /^[a-z][a-z0-9-]{0,31}$/;

export interface PeerOptions {
  requestTimeoutMs?: number;
  maxInflight?: number;
  /** Hears of every request served: for metrics. */
  observe?: RequestObserver;
  /**
   * Bytes this side may hold for requests it serves on one connection: request frames being
   * handled plus replies not yet written to the socket. Past it the connection stops
   * reading (TCP pushes back on the sender) until the bytes drain.
   */
  maxServedBytes?: number;
  /**
   * Bytes counted against `maxServedBytes` for a request being handled, for its reply not
   * known yet: a storage node reserves what a block read may send back (a whole block, or
   * the range asked for), so only so many reads run at once.
   */
  replyReserveBytes?: (method: string, req: Incoming) => number;
  /**
   * Close the connection once nothing has come in and nothing is in flight for this long
   * (servers; a client dials again when it next calls).
   */
  idleTimeoutMs?: number;
  /** Told once, when a request this side served is first answered with success (the peer has proved itself). */
  onSuccess?: () => void;
}

interface Pending {
  resolve: (r: Incoming) => void;
  reject: (e: DfsError) => void;
  timer: NodeJS.Timeout;
}

export class Peer<C = unknown> {
  /** Per-connection state of the service (the session, the node id). */
  context: C;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private inflight = 0;
  private draining = false;
  private idle?: () => void;
  private servedBytes = 0;
  /** Requests that arrived while the connection was over its byte limit, in arrival order. */
  private readonly waitingForRoom: { start: () => void; drop: () => void }[] = [];
  private readonly replyReserve?: (method: string, req: Incoming) => number;
  private closed = false;
  private idleTimer?: NodeJS.Timeout;
  private succeeded = false;
  private readonly timeoutMs: number;
  private readonly maxInflight: number;
  private readonly maxServedBytes: number;
  readonly remoteAddress: string;

  constructor(
    readonly ws: WebSocket,
    private readonly handlers: Handlers<C>,
    context: C,
    private readonly options: PeerOptions = {},
    remoteAddress = '',
  ) {
    this.context = context;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    this.maxInflight = options.maxInflight ?? DEFAULTS.maxInflightPerConnection;
    this.maxServedBytes = options.maxServedBytes ?? DEFAULTS.maxServedBytesPerConnection;
    this.replyReserve = options.replyReserveBytes;
    this.remoteAddress = remoteAddress;
    // fragments: a block arrives as [header, payload] and is used without joining the two
    ws.binaryType = 'fragments';
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => this.onClose());
    ws.on('error', () => this.onClose());
    const idleMs = options.idleTimeoutMs;
    if (idleMs) {
      this.idleTimer = setTimeout(() => this.idleCheck(), idleMs);
      this.idleTimer.unref();
    }
  }

  /** The idle deadline passed with nothing received: close, unless work is still under way. */
  private idleCheck(): void {
    if (this.closed) return;
    if (this.inflight > 0 || this.pending.size > 0) {
      this.idleTimer?.refresh();
      return;
    }
    this.close(1000, 'idle');
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  call(method: string, meta: Meta = {}, payload?: Buffer, timeoutMs = this.timeoutMs): Promise<Incoming> {
    if (!this.isOpen) return Promise.reject(new DfsError('ENOTCONN', `connection closed before ${method}`));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise<Incoming>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DfsError('ETIMEDOUT', `${method} got no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send(encodeFrame(FRAME_KIND.request, id, method, meta, payload));
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason);
    }
    this.onClose();
  }

  /** `sent` runs once the bytes are handed to the socket (or the connection is gone). */
  private send(parts: Buffer[], sent?: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      sent?.();
      return;
    }
    const done = sent ? (): void => sent() : undefined;
    // One message, possibly from two buffers: ws's `fin: false` fragments keep the block
    // payload from being copied into a joined buffer.
    if (parts.length === 1) this.ws.send(parts[0], { binary: true }, done);
    else {
      this.ws.send(parts[0], { binary: true, fin: false });
      this.ws.send(parts[1], { binary: true, fin: true }, done);
    }
  }

  /**
   * Counts bytes held for this connection's requests (request frames being handled, replies
   * not yet handed to the socket, reservations). Past the limit the socket stops being read,
   * so the peer's own TCP window pushes back; below half of it, reading goes on.
   */
  private holdBytes(n: number): void {
    this.servedBytes += n;
    if (n > 0 && this.servedBytes > this.maxServedBytes && !this.ws.isPaused) this.ws.pause();
    if (n < 0) this.startWaiting();
  }

  private get hasRoom(): boolean {
    return this.servedBytes <= this.maxServedBytes;
  }

  /** Starts waiting requests, oldest first, while there is room (each start counts its bytes at once). */
  private startWaiting(): void {
    while (this.hasRoom && this.waitingForRoom.length > 0 && !this.closed) this.waitingForRoom.shift()!.start();
    if (this.ws.isPaused && !this.closed && this.waitingForRoom.length === 0 && this.servedBytes <= this.maxServedBytes / 2) {
      this.ws.resume();
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.idleTimer?.refresh();
    if (!isBinary) return this.protocolError('text messages are not spoken here');
    const parts = Array.isArray(data) ? data : [Buffer.isBuffer(data) ? data : Buffer.from(data)];
    let frame;
    try {
      frame = decodeFragments(parts);
    } catch (err) {
      return this.protocolError(toDfsError(err).message);
    }
    if (frame.kind === FRAME_KIND.request) {
      void this.serve(
        frame.id,
        frame.method,
        { meta: frame.meta, payload: frame.payload },
        parts.reduce((n, b) => n + b.length, 0),
      );
      return;
    }
    const p = this.pending.get(frame.id);
    if (!p) return; // a late reply to a request that timed out
    this.pending.delete(frame.id);
    clearTimeout(p.timer);
    if (frame.kind === FRAME_KIND.ok) p.resolve({ meta: frame.meta, payload: frame.payload });
    else {
      const code = frame.meta.code;
      const message = typeof frame.meta.message === 'string' ? frame.meta.message : '';
      const reason = typeof frame.meta.reason === 'string' && REASON_RE.test(frame.meta.reason) ? frame.meta.reason : undefined;
      p.reject(toDfsError({ code, message: message || String(code), reason }));
    }
  }

  private async serve(id: number, method: string, req: Incoming, size: number): Promise<void> {
    const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method] : undefined;
    const observe = this.options.observe;
    const started = observe ? process.hrtime.bigint() : 0n;
    // unknown names are counted under one label, so a peer cannot grow the metric set
    const label = handler ? method : '(unknown)';
    const done = (status: string, bytesOut: number): void => observe?.(label, status, Number(process.hrtime.bigint() - started) / 1e9, req.payload.length, bytesOut);
    if (!handler) {
      done('ENOSYS', 0);
      return this.replyError(id, new DfsError('ENOSYS', `unknown method ${method}`, { reason: REASON.unknownMethod }));
    }
    if (this.draining) {
      done('ENOTCONN', 0);
      return this.replyError(id, new DfsError('ENOTCONN', 'server is shutting down'));
    }
    if (this.inflight >= this.maxInflight) {
      done('EAGAIN', 0);
      return this.replyError(id, new DfsError('EAGAIN', 'too many requests in flight on this connection', { reason: REASON.busy }));
    }
    // the reservation reads the request's metadata: a surprise there is the request's error,
    // not an unhandled rejection that would end the server
    let reserve: number;
    try {
      reserve = this.replyReserve?.(method, req) ?? 0;
    } catch (err) {
      const e = toDfsError(err);
      done(e.code, 0);
      return this.replyError(id, e);
    }
    this.inflight++;
    // Messages read before the socket paused still arrive; past the limit they wait here
    // (at most maxInflight of them, holding only what was already buffered).
    const start = (): void => void this.run(handler, id, req, size + reserve, done);
    const drop = (): void => this.finished();
    if (this.hasRoom && this.waitingForRoom.length === 0) start();
    else this.waitingForRoom.push({ start, drop });
  }

  /** Handles one request; a handler that answers synchronously has its reply counted before the next message is looked at. */
  private async run(handler: Handler<C>, id: number, req: Incoming, held: number, done: (status: string, bytesOut: number) => void): Promise<void> {
    this.holdBytes(held);
    try {
      let reply: Reply;
      try {
        const r = handler(req, this);
        reply = (r instanceof Promise ? await r : r) ?? {};
      } catch (err) {
        const e = toDfsError(err);
        this.replyError(id, e);
        done(e.code, 0);
        return;
      }
      let parts: Buffer[];
      try {
        parts = encodeFrame(FRAME_KIND.ok, id, '', reply.meta ?? {}, reply.payload);
      } catch (err) {
        const e = toDfsError(err);
        this.replyError(id, e);
        done(e.code, 0);
        return;
      }
      const out = parts.reduce((n, b) => n + b.length, 0);
      this.holdBytes(out);
      this.send(parts, () => this.holdBytes(-out));
      done('OK', reply.payload?.length ?? 0);
      if (!this.succeeded) {
        this.succeeded = true;
        this.options.onSuccess?.();
      }
    } finally {
      this.holdBytes(-held);
      this.finished();
    }
  }

  private finished(): void {
    this.inflight--;
    if (this.inflight === 0) this.idle?.();
  }

  /** Refuses new requests and resolves once those being served have been answered. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  private replyError(id: number, err: DfsError): void {
    const meta: Meta = { code: err.code, message: err.detail || err.message };
    if (err.reason) meta.reason = err.reason;
    this.send(encodeFrame(FRAME_KIND.error, id, '', meta));
  }

  /** A peer that cannot frame is told why in the close reason and cut off. */
  private protocolError(why: string): void {
    this.close(1002, why.slice(0, 120));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // requests still waiting are dropped unserved: whoever sent them is gone
    for (const w of this.waitingForRoom.splice(0)) w.drop();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new DfsError('ENOTCONN', 'connection closed'));
      this.pending.delete(id);
    }
  }
}
