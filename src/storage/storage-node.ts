// A storage node: serves encrypted blocks to clients that hold a capability from the
// master, and takes orders (delete, replicate) from the master over its registration link.
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { RpcClient } from '../rpc/client.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import { arr, int, optInt, optStr, str } from '../rpc/params.js';
import { PagedListings } from '../rpc/paging.js';
import type { Handlers, Peer } from '../rpc/peer.js';
import { RpcServer, type TlsFiles } from '../rpc/server.js';
import { BLOCK_ID_RE, type BlockStore } from './block-store.js';
import { checkCapability, type BlockOp } from '../protocol/capability.js';
import { Scrubber } from './scrubber.js';
import { RpcMetrics } from '../rpc/metrics.js';
import { logger as makeLogger, type Logger } from '../log.js';

export interface StorageNodeOptions {
  masterUrl: string;
  host: string;
  port: number;
  store: BlockStore;
  joinSecret: string;
  /** Verify held blocks in the background at this many bytes a second (0 or absent: off). See scrubber.ts. */
  scrubBytesPerSecond?: number;
  /** Before the first scrub read (default DEFAULTS.scrubStartDelayMs). */
  scrubStartDelayMs?: number;
  /** The URL registered with the master, for clients and other nodes to dial, when it is not the one listened on (NAT, containers, --host 0.0.0.0). */
  advertiseUrl?: string;
  /** Stable identity; disk stores keep theirs in the data dir. */
  nodeId?: string;
  tls?: TlsFiles;
  ca?: Buffer;
  heartbeatMs?: number;
  logger?: Logger;
}

export class StorageNode {
  readonly id: string;
  readonly server: RpcServer<undefined>;
  private readonly master: RpcClient<undefined>;
  private capKey?: Buffer;
  private heartbeat?: NodeJS.Timeout;
  private heartbeatMs: number;
  private readonly peers = new Map<string, RpcClient>();
  private stopped = false;
  private scrubber?: Scrubber;
  private readonly listings = new PagedListings<string>(4, DEFAULTS.listingTtlMs);
  readonly logger: Logger;
  readonly metrics = new RpcMetrics('dfs_storage');

  constructor(private readonly options: StorageNodeOptions) {
    this.id = options.nodeId ?? randomBytes(8).toString('hex');
    this.heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.logger = options.logger ?? makeLogger('storage', { node: this.id });
    const stats = (): ReturnType<BlockStore['stats']> => options.store.stats();
    this.metrics.gauge('blocks', 'Blocks held', () => stats().blockCount);
    this.metrics.gauge('used_bytes', 'Bytes of blocks held', () => stats().used);
    this.metrics.gauge('capacity_bytes', 'Capacity of the block store', () => stats().capacity);
    this.metrics.gauge('scrub_checked_blocks', 'Blocks verified by the background scrub since start', () => this.scrubber?.checked ?? 0);
    this.metrics.gauge('scrub_corrupt_blocks', 'Blocks the background scrub found bad (dropped and reported) since start', () => this.scrubber?.corrupt ?? 0);
    this.server = new RpcServer<undefined>({
      host: options.host,
      port: options.port,
      tls: options.tls,
      maxMessageBytes: DEFAULTS.storageMaxMessage,
      // a block read reserves what it may send back (a whole block, or the range asked for),
      // so a connection runs only so many at once and a peer that does not read cannot pile
      // replies up; a 64 KiB segment read no longer holds room for 4 MiB
      maxServedBytes: DEFAULTS.storageServedBytesPerConnection,
      replyReserveBytes: (method, { meta }) => {
        if (method !== 'block.get') return 0; // the other replies are a few bytes
        const ranged = typeof meta.offset === 'number' && typeof meta.length === 'number' && meta.length >= 0;
        return ranged ? Math.min(meta.length as number, DEFAULTS.storageMaxMessage) : DEFAULTS.blockSize;
      },
      handlers: this.blockHandlers(),
      newContext: () => undefined,
      metrics: this.metrics,
      httpHandler: (req, res) => {
        if (req.url !== '/healthz') return false;
        res.writeHead(this.capKey ? 200 : 503, { 'content-type': 'text/plain' }).end(this.capKey ? 'ok\n' : 'not registered\n');
        return true;
      },
    });
    this.master = new RpcClient<undefined>(options.masterUrl, {
      ca: options.ca,
      handlers: this.controlHandlers(),
      onConnect: (peer) => this.register(peer),
    });
  }

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<string> {
    await this.server.listen();
    await this.master.connect();
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    if (this.options.scrubBytesPerSecond) {
      this.scrubber = new Scrubber(this.options.store, {
        bytesPerSecond: this.options.scrubBytesPerSecond,
        startDelayMs: this.options.scrubStartDelayMs ?? DEFAULTS.scrubStartDelayMs,
        onCorrupt: (id) => this.reportCorrupt(id),
        logger: this.logger,
      });
      this.scrubber.start();
    }
    this.logger.info({ url: this.url, advertised: this.options.advertiseUrl }, 'storage node listening');
    return this.url;
  }

  private async register(peer: Peer<undefined>): Promise<void> {
    const reply = await peer.call('node.register', {
      secret: this.options.joinSecret,
      id: this.id,
      url: this.options.advertiseUrl ?? this.url,
      ...this.options.store.stats(),
    });
    this.capKey = Buffer.from(String(reply.meta.capKey), 'base64');
    if (typeof reply.meta.heartbeatMs === 'number') this.heartbeatMs = reply.meta.heartbeatMs;
  }

  /** Heartbeats; a lost master is re-dialled (and re-registered) on the next beat. */
  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.master.call('node.heartbeat', { ...this.options.store.stats() }, undefined, this.heartbeatMs * 3);
    } catch {
      // the master is away; the next beat dials again
    }
  }

  private authorize(meta: Record<string, unknown>, op: BlockOp): string {
    const id = str(meta, 'id', 64);
    if (!BLOCK_ID_RE.test(id)) throw new DfsError('EINVAL', 'bad block id');
    if (!this.capKey) throw new DfsError('EAGAIN', 'storage node has not joined the cluster yet');
    const why = checkCapability(this.capKey, meta.cap, op, id, Date.now());
    if (why) throw new DfsError('EACCES', why);
    return id;
  }

  private blockHandlers(): Handlers<undefined> {
    const store = this.options.store;
    return {
      'block.put': async ({ meta, payload }) => {
        const id = this.authorize(meta, 'w');
        if (payload.length === 0) throw new DfsError('EINVAL', 'empty block');
        await store.put(id, payload);
      },
      'block.get': async ({ meta }) => {
        const id = this.authorize(meta, 'r');
        // a byte range: clients read single encrypted segments of a block (random reads)
        const offset = optInt(meta, 'offset', 0, DEFAULTS.storageMaxMessage);
        const length = offset === undefined ? 0 : int(meta, 'length', 0, DEFAULTS.storageMaxMessage);
        let data: Buffer | undefined;
        try {
          data = offset === undefined ? await store.get(id) : await store.getRange(id, offset, length);
        } catch (err) {
          const e = toDfsError(err);
          if (e.code === 'EIO') this.reportCorrupt(id);
          throw e;
        }
        if (!data) throw new DfsError('ENOENT', `block ${id} is not on this node`);
        return { payload: data };
      },
    };
  }

  /** Our copy failed its check (and the store dropped it): the master makes a new one elsewhere. */
  private reportCorrupt(id: string): void {
    this.logger.warn({ block: id }, 'block failed its check and was dropped; reported to the master');
    this.master.call('node.corrupt', { ids: [id] }).catch(() => undefined);
  }

  /** Served only on the link this node dialled to the master, so only the master can call them. */
  private controlHandlers(): Handlers<undefined> {
    const store = this.options.store;
    return {
      'block.delete': async ({ meta }) => {
        const ids = arr(meta, 'ids', 10_000).map(String);
        let deleted = 0;
        for (const id of ids) if (BLOCK_ID_RE.test(id) && (await store.delete(id))) deleted++;
        return { meta: { deleted } };
      },
      // in pages (src/rpc/paging.ts): a million blocks' ids outgrow a message
      'block.list': ({ meta }) => {
        // no limit: every id in one reply, as before pages (a master that does not follow cursors)
        const limit = optInt(meta, 'limit', 1, DEFAULTS.blockListPageMax) ?? Number.MAX_SAFE_INTEGER;
        const cursor = optStr(meta, 'cursor', 64);
        const { page, cursor: more } =
          cursor === undefined ? this.listings.begin('master', [...store.ids()], limit, Date.now()) : this.listings.next('master', cursor, limit, Date.now());
        return { meta: { ids: page, cursor: more } };
      },
      'block.replicate': async ({ meta }) => {
        const id = str(meta, 'id', 64);
        const from = str(meta, 'from', 512);
        if (!BLOCK_ID_RE.test(id)) throw new DfsError('EINVAL', 'bad block id');
        let source = this.peers.get(from);
        if (!source) {
          source = new RpcClient(from, { ca: this.options.ca });
          this.peers.set(from, source);
        }
        const got = await source.call('block.get', { id, cap: meta.cap });
        await store.put(id, got.payload);
      },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.scrubber?.stop();
    this.master.close();
    for (const p of this.peers.values()) p.close();
    await this.server.close();
    await this.options.store.close();
  }
}
