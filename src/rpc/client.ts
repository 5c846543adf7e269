// A client connection that (re)connects on demand: a call made while the link is down
// dials again, so a restarted server is picked up without the caller noticing.
import { REASON } from '../protocol/reasons.js';
import { WebSocket } from 'ws';
import { DEFAULTS } from '../defaults.js';
import { DfsError, toDfsError } from './errors.js';
import type { Meta } from './frame.js';
import { Peer, type Handlers, type Incoming, type PeerOptions } from './peer.js';

export interface RpcClientOptions<C> extends PeerOptions {
  maxMessageBytes?: number;
  connectTimeoutMs?: number;
  /** PEM CA bundle for wss:// servers not signed by a public CA. */
  ca?: Buffer;
  handlers?: Handlers<C>;
  context?: C;
  /** Runs on every fresh connection before it carries calls (e.g. to register). */
  onConnect?: (peer: Peer<C>) => Promise<void>;
  /** Runs when a connection that was ready closes (the next call dials again). */
  onDisconnect?: () => void;
  /** Times a call refused with EAGAIN is sent again (default DEFAULTS.busyRetries). */
  busyRetries?: number;
}

/** EAGAIN reasons that say the request never ran (peer.ts, master/login-guard.ts). */
const RETRY_REASONS = new Set<string>([REASON.busy, REASON.loginBusy]);

// Masking client frames defends HTTP proxies that do not speak WebSocket; dfs links are
// direct (and TLS where it matters), so a zero mask lets ws skip an XOR over every block.
const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

export class RpcClient<C = undefined> {
  private peer?: Peer<C>;
  private connecting?: Promise<Peer<C>>;
  private closedByUser = false;

  constructor(
    readonly url: string,
    private readonly options: RpcClientOptions<C> = {},
  ) {}

  /**
   * A call turned away before it ran (too many in flight on the connection, logins queued:
   * an EAGAIN with one of RETRY_REASONS) is sent again after a growing pause, a few times,
   * before the caller sees EAGAIN. Any other EAGAIN may come from a request that did work,
   * and is not repeated.
   */
  async call(method: string, meta: Meta = {}, payload?: Buffer, timeoutMs?: number): Promise<Incoming> {
    const retries = this.options.busyRetries ?? DEFAULTS.busyRetries;
    for (let attempt = 0; ; attempt++) {
      const peer = await this.connect();
      try {
        return await peer.call(method, meta, payload, timeoutMs);
      } catch (err) {
        const e = err as DfsError;
        if (e.code !== 'EAGAIN' || !RETRY_REASONS.has(e.reason ?? '') || attempt >= retries) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, DEFAULTS.busyRetryBaseMs * 2 ** attempt * (0.5 + Math.random())));
    }
  }

  get connected(): boolean {
    return this.peer?.isOpen ?? false;
  }

  connect(): Promise<Peer<C>> {
    if (this.closedByUser) return Promise.reject(new DfsError('ENOTCONN', 'client closed', { reason: REASON.closed }));
    if (this.peer?.isOpen) return Promise.resolve(this.peer);
    this.connecting ??= this.dial().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private dial(): Promise<Peer<C>> {
    const timeout = this.options.connectTimeoutMs ?? 5000;
    return new Promise<Peer<C>>((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.url, {
          maxPayload: this.options.maxMessageBytes ?? 64 * 1024 * 1024,
          perMessageDeflate: false,
          skipUTF8Validation: true,
          handshakeTimeout: timeout,
          generateMask: zeroMask,
          ca: this.options.ca,
        });
      } catch (err) {
        reject(new DfsError('EINVAL', `bad URL ${this.url}: ${(err as Error).message}`));
        return;
      }
      const fail = (err: Error): void => {
        ws.removeAllListeners('open');
        ws.terminate();
        reject(connectError(this.url, err));
      };
      ws.once('error', fail);
      ws.once('open', () => {
        ws.off('error', fail);
        const peer = new Peer<C>(ws, this.options.handlers ?? {}, this.options.context as C, this.options);
        let ready = false;
        ws.on('close', () => {
          if (this.peer === peer) this.peer = undefined;
          if (ready) this.options.onDisconnect?.();
        });
        this.peer = peer;
        const registered = this.options.onConnect ? this.options.onConnect(peer) : Promise.resolve();
        registered.then(
          () => {
            ready = true;
            resolve(peer);
          },
          (err: unknown) => {
            peer.close();
            reject(toDfsError(err));
          },
        );
      });
    });
  }

  close(): void {
    this.closedByUser = true;
    this.peer?.close();
    this.peer = undefined;
  }
}

function connectError(url: string, err: Error): DfsError {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return new DfsError('ECONNREFUSED', `cannot reach ${url}: connection refused`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    const host = (err as { hostname?: string }).hostname ?? url;
    return new DfsError('EHOSTUNREACH', `cannot reach ${url}: the host name ${host} does not resolve (${code === 'EAI_AGAIN' ? 'DNS did not answer' : 'no such host'})`);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new DfsError('EHOSTUNREACH', `cannot reach ${url}: no route to the host`);
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
    return new DfsError('EACCES', `cannot verify the certificate of ${url} (${code}); pass the cluster's CA with --ca`, {
      reason: REASON.badCertificate,
    });
  }
  if (url.startsWith('wss:') && (code === 'EPROTO' || (code && /SSL|TLS/.test(code)))) {
    return new DfsError('EPROTO', `${url} does not speak TLS; try ws://`);
  }
  if (url.startsWith('ws:') && (code === 'ECONNRESET' || /socket hang up/.test(err.message))) {
    return new DfsError('ECONNREFUSED', `${url} closed the connection; if the server uses TLS, connect with wss://`);
  }
  return new DfsError('ECONNREFUSED', `cannot reach ${url}: ${err.message}`);
}
