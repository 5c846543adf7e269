// A client's link to the master: the calls (typed by src/protocol/methods.ts, each riding out
// a short restart), the session token, the hello that says on every connection what the
// client is, and a mount's session hooks (its holds, the invalidations pushed to it, the
// channel going down and coming back). The rest of the client library builds on it.
import os from 'node:os';
import { DEFAULTS } from '../defaults.js';
import type { Invalidation, MasterMethod, Req, Res } from '../protocol/methods.js';
import { REASON } from '../protocol/reasons.js';
import { RpcClient } from '../rpc/client.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import type { Incoming } from '../rpc/peer.js';
import { versionString } from '../version.js';
import { actingAs } from './acting-as.js';
import { callMaster, type CallOptions } from './master-calls.js';

/**
 * A mount's side of its session with the master (mount-backend.ts): what it adds to every
 * hello (its id, the files it holds open, that it wants invalidations), the changes pushed to
 * it, and the channel going down and coming back.
 */
export interface SessionHooks {
  hello(): Pick<Req<'client.hello'>, 'id' | 'holds' | 'invalidations'>;
  /** Resolves once the changes are out of every cache (the master waits for the answer). */
  invalidated(changes: Invalidation[]): Promise<void>;
  channel(up: boolean): void;
}

export type ClientKind = 'mount' | 'cli' | 'client';

export interface SessionOptions {
  token?: string;
  /** PEM CA bundle for wss:// clusters. */
  ca?: Buffer;
  /** What this client tells the master it is, on every connection (`dfs status` lists mounts and clients). */
  announce?: { kind: ClientKind; mountpoint?: string };
}

export class MasterSession {
  token?: string;
  readonly master: RpcClient;
  private readonly announce: NonNullable<SessionOptions['announce']>;
  private hooks?: SessionHooks;

  constructor(
    readonly url: string,
    options: SessionOptions = {},
  ) {
    this.token = options.token;
    this.announce = options.announce ?? { kind: 'client' };
    this.master = new RpcClient(url, {
      ca: options.ca,
      maxMessageBytes: DEFAULTS.masterMaxMessage,
      // best effort: a master that does not know the call (an older one) is still a master
      onConnect: async (peer) => {
        await peer.call('client.hello', this.helloMeta()).then(
          () => undefined,
          () => undefined,
        );
        this.hooks?.channel(true);
      },
      onDisconnect: () => this.hooks?.channel(false),
      handlers: {
        // the master tells a mount of changes made elsewhere (only after it asked for them)
        inval: async ({ meta }) => {
          await this.hooks?.invalidated((meta as Req<'inval'>).changes ?? []);
        },
      },
    });
  }

  private helloMeta(): Meta {
    const { kind, mountpoint } = this.announce;
    const hello: Req<'client.hello'> = { kind, mountpoint, host: os.hostname(), pid: process.pid, version: versionString(), ...this.hooks?.hello() };
    return { ...hello, token: this.token };
  }

  /** Makes this client a mount's session (mount-backend.ts): says so to the master now, and on every reconnect. */
  async attachSession(hooks: SessionHooks): Promise<void> {
    this.hooks = hooks;
    const peer = await this.master.connect();
    await peer.call('client.hello', this.helloMeta());
    hooks.channel(true);
  }

  /**
   * A call to the master (src/protocol/methods.ts), riding out a short restart
   * (master-calls.ts). The one place a reply's shape is taken on trust: the master is.
   */
  async call<M extends MasterMethod>(method: M, req: Req<M>, options?: CallOptions): Promise<Res<M>> {
    // made for a local user of a multi-user mount: the master acts as that user (acting-as.ts)
    const as = actingAs.getStore();
    const meta: Meta = as ? { ...req, as } : req;
    return (await this.send(method, this.token ? { ...meta, token: this.token } : meta, options)).meta as Res<M>;
  }

  /**
   * Any method with any fields, answered as it comes: for tests and probes that send what a
   * well-behaved client would not. Everything else uses `call`.
   */
  callRaw(method: string, meta: Meta = {}): Promise<Incoming> {
    return this.send(method as MasterMethod, this.token ? { ...meta, token: this.token } : meta);
  }

  /** One try, no retries: for a watcher that judges for itself how long the master may be away. */
  async ping(): Promise<void> {
    await this.call('auth.whoami', {}, { retryMs: 0 });
  }

  protected send(method: MasterMethod, meta: Meta, options?: CallOptions): Promise<Incoming> {
    return callMaster(this.master, method, meta, options).catch((err: unknown) => {
      // a server that knows no master method is some other server: a storage node's port, say
      if (err instanceof DfsError && err.code === 'ENOSYS' && err.reason === REASON.unknownMethod) {
        throw new DfsError('EPROTO', `${this.url} is not a dfs master (it does not know ${method}); a storage node's port?`);
      }
      throw err;
    });
  }
}
