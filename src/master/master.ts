// The master: owns the state, applies and logs mutations, and serves RPC.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { DfsError, NO_NODES_REASON } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import type { Handlers } from '../rpc/peer.js';
import { RpcServer, type TlsFiles } from '../rpc/server.js';
import { signCapability, type BlockOp } from '../storage/capability.js';
import { BLOCK_HEADER_BYTES } from '../storage/disk-store.js';
import { sealedLength } from '../client/crypto.js';
import { KeyWrapper, loadOrCreateSecret } from './keys.js';
import { NodeRegistry } from './nodes.js';
import type { Caller } from './permissions.js';
import type { MutationRecord } from './records.js';
import { MasterState } from './state.js';
import { ADMIN_UID, hashToken, newPasswordHash, newToken } from './users.js';
import { authHandlers } from './auth-service.js';
import { fsHandlers } from './fs-service.js';
import { nodeHandlers } from './node-service.js';
import { Maintenance } from './maintenance.js';
import { RpcMetrics } from '../rpc/metrics.js';
import { logger as makeLogger, type Logger } from '../log.js';
import type { Histogram } from 'prom-client';
import type { ReplicationOptions } from './replication.js';
import { MetadataStore, type LoadReport } from './persistence.js';
import { ROOT_INO } from './namespace.js';
import { accountHandlers } from './account-service.js';
import { LoginGuard, type LoginLimits } from './login-guard.js';
import { currentRequest } from './request-once.js';
import { TrashPurger } from './trash-service.js';
import { clientHandlers } from './client-service.js';
import type { ClientInfo } from '../client/types.js';
import { loadDraining, nodeAdminHandlers } from './node-admin-service.js';

export interface MasterOptions {
  host: string;
  port: number;
  dataDir: string;
  /** A new cluster's block size; an existing one keeps the size it was made with. */
  blockSize?: number;
  /** The cluster's default copies of each block (the root directory's, which new entries inherit). */
  replicas?: number;
  /** Copies of each block a write must store to succeed (DEFAULTS.minReplicas); a file's factor, if less, is enough. */
  minReplicas?: number;
  tls?: TlsFiles;
  heartbeatMs?: number;
  deadAfterMs?: number;
  sessionTtlMs?: number;
  /** Login throttling; unset fields take DEFAULTS.login. */
  loginLimits?: Partial<LoginLimits>;
  /** An allocated block not committed by then is garbage. */
  allocationTtlMs?: number;
  replication?: ReplicationOptions;
  /** Snapshot once the journal holds this many records since the last snapshot. */
  snapshotEveryRecords?: number;
  /** False: metadata lives in memory only and is gone with the process (`dfs up --memory`). */
  persist?: boolean;
  /** First start only: the admin's password; generated (and reported) when absent. */
  adminPassword?: string;
  /** Block ids per block.list page when the master lists a node's blocks (default DEFAULTS.blockListPage). */
  blockListPage?: number;
  /** The secret storage nodes join with; when absent, the one kept in the data dir (made on first start). */
  joinSecret?: string;
  /** Removed items stay in the trash this long (default DEFAULTS.trashRetentionMs); 0: no trash. */
  trashMs?: number;
  /** How often the trash is checked for items past their time (default DEFAULTS.trashPurgeEveryMs). */
  trashPurgeEveryMs?: number;
  logger?: Logger;
}

/** Where mutations go to become durable; the journal implements it. */
export interface MutationLog {
  append(records: MutationRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConnContext {
  caller?: Caller;
  tokenHash?: string;
  nodeId?: string;
  /** What a client said it is (client-service.ts). */
  client?: ClientInfo;
}

interface Allocation {
  ino: number;
  expires: number;
  /** Nodes offered the block (at allocation and as replacements): where an orphan would be. */
  nodes: Set<string>;
}

export class Master {
  readonly state: MasterState;
  readonly nodes: NodeRegistry;
  readonly keys: KeyWrapper;
  readonly capKey: Buffer;
  readonly joinSecret: string;
  /** Blocks handed to a writer and not yet committed: id → owner. GC must leave them alone. */
  readonly allocations = new Map<string, Allocation>();
  readonly server: RpcServer<ConnContext>;
  readonly maintenance: Maintenance;
  /** Where mutations become durable: the journal once `start` has loaded the data dir. */
  log: MutationLog = { append: async () => undefined, close: async () => undefined };
  store?: MetadataStore;
  readonly sessionTtlMs: number;
  readonly logger: Logger;
  readonly metrics = new RpcMetrics('dfs_master');
  /** Time of each journal write+fsync; the journal observes it. */
  readonly journalFsyncSeconds: Histogram;
  /** One line to the log, for start-up and maintenance notes. */
  readonly say = (line: string): void => this.logger.info(line);
  readonly loginGuard: LoginGuard;
  /** How long removed items stay in the trash; 0: removing removes. */
  readonly trashMs: number;
  readonly trashPurger: TrashPurger;
  /** When `start` began serving (ms), for `dfs status`. */
  startedAt?: number;
  /** Signs open tickets (see `openTicket`); derived from the master key, known to no one else. */
  private readonly ticketKey: Buffer;
  /** Requests whose record is applied but not yet durable: a retry's answer waits for it. */
  private readonly requestsInFlight = new Map<string, Promise<void>>();

  constructor(readonly options: MasterOptions) {
    this.state = new MasterState(options.blockSize ?? DEFAULTS.blockSize);
    this.nodes = new NodeRegistry(options.deadAfterMs ?? DEFAULTS.deadAfterMs);
    this.keys = new KeyWrapper(loadOrCreateSecret(options.dataDir, 'master.key', () => randomBytes(32)));
    this.capKey = loadOrCreateSecret(options.dataDir, 'capability.key', () => randomBytes(32));
    this.joinSecret =
      options.joinSecret ??
      loadOrCreateSecret(options.dataDir, 'join-secret', () => Buffer.from(randomBytes(24).toString('base64url'))).toString('utf8').trim();
    this.sessionTtlMs = options.sessionTtlMs ?? DEFAULTS.sessionTtlMs;
    this.logger = options.logger ?? makeLogger('master');
    this.journalFsyncSeconds = this.metrics.histogram('journal_fsync_seconds', 'Journal group-commit write+fsync time', [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1]);
    this.registerGauges();
    this.loginGuard = new LoginGuard({ ...DEFAULTS.login, ...options.loginLimits });
    this.ticketKey = this.keys.derive('open-ticket');
    this.trashMs = Math.max(0, options.trashMs ?? DEFAULTS.trashRetentionMs);
    this.trashPurger = new TrashPurger(this, options.trashPurgeEveryMs ?? DEFAULTS.trashPurgeEveryMs);
    const handlers: Handlers<ConnContext> = {
      ...authHandlers(this),
      ...accountHandlers(this),
      ...fsHandlers(this),
      ...nodeHandlers(this),
      ...clientHandlers(this),
      ...nodeAdminHandlers(this),
    };
    loadDraining(this);
    this.server = new RpcServer<ConnContext>({
      host: options.host,
      port: options.port,
      tls: options.tls,
      maxMessageBytes: DEFAULTS.masterMaxMessage,
      handlers,
      newContext: () => ({}),
      metrics: this.metrics,
      httpHandler: (req, res) => {
        if (req.url !== '/healthz') return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return true;
      },
    });
    this.maintenance = new Maintenance(this, options.heartbeatMs ?? DEFAULTS.heartbeatMs, options.replication);
  }

  get blockSize(): number {
    return this.state.blockSize;
  }

  /** Copies of each block a write must store to succeed (`dfs master --min-replicas`). */
  get minReplicas(): number {
    return this.options.minReplicas ?? DEFAULTS.minReplicas;
  }

  /** The copies a write of a file with `replicas` copies must store to succeed. */
  minCopies(replicas: number): number {
    return Math.max(1, Math.min(replicas, this.minReplicas));
  }

  /** Bytes a block of `plain` bytes takes on a node's disk (sealed, with the node's header): what a node needs free to take it. */
  bytesOnNode(plain: number): number {
    return sealedLength(plain) + BLOCK_HEADER_BYTES;
  }

  /** The same for a full block: what a new block may take. */
  get blockBytesOnNode(): number {
    return this.bytesOnNode(this.blockSize);
  }

  /** Loads state and starts serving. Returns the admin password when one was generated. */
  async start(): Promise<{ url: string; generatedAdminPassword?: string; loaded: LoadReport }> {
    let report: LoadReport = { snapshotMs: 0, replayed: 0, replayMs: 0 };
    if (this.options.persist ?? true) {
      const opened = await MetadataStore.open(this.options.dataDir, this.state, {
        say: this.say,
        onFailure: (err) => this.logger.fatal({ err: err.message }, 'journal failed; the master takes no changes until restarted'),
        onWrite: (seconds) => this.journalFsyncSeconds.observe(seconds),
        snapshotEveryRecords: this.options.snapshotEveryRecords,
      });
      this.store = opened.store;
      this.log = opened.store;
      report = opened.report;
    }
    if (report.snapshot || report.replayed) {
      this.logger.info(
        {
          inodes: this.state.ns.inodes.size, snapshot: report.snapshot, snapshotMs: Math.round(report.snapshotMs),
          journalRecords: report.replayed, replayMs: Math.round(report.replayMs),
        },
        'metadata loaded',
      );
    }
    const now = Date.now();
    if (!this.state.formatted) {
      await this.mutate([
        { op: 'format', time: now, blockSize: this.options.blockSize ?? DEFAULTS.blockSize, replicas: this.options.replicas ?? DEFAULTS.replicas },
      ]);
    } else {
      if (this.options.blockSize !== undefined && this.options.blockSize !== this.state.blockSize) {
        this.logger.warn({ blockSize: this.state.blockSize }, 'keeping the cluster\'s block size; a cluster\'s block size cannot change');
      }
      const root = this.state.ns.get(ROOT_INO)!;
      if (this.options.replicas !== undefined && this.options.replicas !== root.replicas) {
        await this.mutate([{ op: 'setattr', ino: ROOT_INO, replicas: this.options.replicas, time: now }]);
        this.logger.info({ replicas: this.options.replicas }, 'default replication (that of /, which new entries inherit) changed');
      }
    }
    if (this.state.trash.dirIno === undefined) await this.mutate([{ op: 'mktrash', ino: this.state.ns.nextIno, time: now }]);
    await this.server.listen();
    // only now: a master that cannot listen (its port taken) must not make an admin whose
    // generated password nobody would ever see
    let generatedAdminPassword: string | undefined;
    if (this.state.users.users.size === 0) {
      const password = this.options.adminPassword ?? randomBytes(12).toString('base64url');
      if (!this.options.adminPassword) generatedAdminPassword = password;
      const { salt, hash } = await newPasswordHash(password);
      await this.mutate([{ op: 'user', name: 'admin', uid: ADMIN_UID, gid: 0, salt, hash, admin: true, groups: [] }]);
    }
    this.startedAt = Date.now();
    this.maintenance.start();
    this.trashPurger.start();
    this.logger.info({ url: this.server.url }, 'master listening');
    return { url: this.server.url, generatedAdminPassword, loaded: report };
  }

  private registerGauges(): void {
    const m = this.metrics;
    m.gauge('inodes', 'Files, directories and symlinks', () => this.state.ns.inodes.size);
    m.gauge('blocks', 'Blocks referenced by files', () => this.state.blocks.blocks.size);
    m.gauge('garbage_blocks', 'Unreferenced blocks still to delete from nodes', () => this.state.blocks.garbage.size);
    m.gauge('under_replicated_blocks', 'Blocks with fewer live copies than their file asks for', () => this.maintenance.counts().underReplicated);
    m.gauge('missing_blocks', 'Blocks with no good live copy', () => this.maintenance.counts().missing);
    m.gauge('lost_blocks', 'Blocks whose every live copy failed a client\'s check (counted as missing too)', () => this.maintenance.counts().lost);
    m.gauge('corrupt_blocks', 'Blocks with a copy found corrupt, not yet back to their factor', () => this.maintenance.counts().corrupt);
    m.gauge('sessions', 'Live sessions', () => {
      const now = Date.now();
      let n = 0;
      for (const s of this.state.users.sessions.values()) if (s.expires > now) n++;
      return n;
    });
    m.gauge('storage_nodes_alive', 'Storage nodes answering heartbeats', () => this.nodes.alive().length);
  }

  /**
   * Applies records now (so later requests see them) and resolves once they are durable.
   * Within a request that carries an id (request-once.ts) the first batch also records the
   * request, so that a retry of it is answered as done and not done again.
   */
  mutate(records: MutationRecord[]): Promise<void> {
    const key = currentRequest.getStore();
    const request = key !== undefined && !this.state.requests.has(key);
    const batch: MutationRecord[] = request ? [...records, { op: 'request', key, time: Date.now() }] : records;
    for (const r of batch) this.state.apply(r);
    const durable = this.log.append(batch);
    if (request) {
      this.requestsInFlight.set(key, durable);
      const forget = (): void => void this.requestsInFlight.delete(key);
      durable.then(forget, forget);
    }
    return durable;
  }

  /** Whether a request is on record (request-once.ts); waits until that record is durable. */
  async requestDone(key: string): Promise<boolean> {
    if (!this.state.requests.has(key)) return false;
    await this.requestsInFlight.get(key);
    return true;
  }

  /** A session for `user` without a password: for `dfs up`, which owns the data dir anyway. */
  async mintSession(user: string): Promise<{ token: string; expires: number }> {
    if (!this.state.users.users.has(user)) throw new DfsError('ENOENT', `no user ${user}`);
    const token = newToken();
    const now = Date.now();
    const expires = now + this.sessionTtlMs;
    await this.mutate([{ op: 'session', hash: hashToken(token), user, expires, created: now, from: 'local' }]);
    return { token, expires };
  }

  capability(op: BlockOp, id: string): string {
    return signCapability(this.capKey, op, id, Date.now() + DEFAULTS.capabilityTtlMs);
  }

  /**
   * Block ids for a writer, each with the nodes to store it on: `replicas` of them, or as
   * many as are up, down to the minimum (minCopies). Fewer up than the minimum is EIO (reason
   * no-nodes: just after a restart they have yet to dial in again, and the writer waits); a
   * node up but without room for the block is ENOSPC (DEFAULTS.minReplicas says why).
   */
  allocate(ino: number, count: number, replicas: number, exclude: string[] = []): { id: string; nodes: { id: string; url: string }[]; cap: string; want: number; min: number }[] {
    const out = [];
    const expires = Date.now() + (this.options.allocationTtlMs ?? DEFAULTS.allocationTtlMs);
    const min = this.minCopies(replicas);
    for (let i = 0; i < count; i++) {
      const nodes = this.nodes.choose(replicas, exclude, this.blockBytesOnNode);
      const up = this.nodes.choose(replicas, exclude).length;
      if (nodes.length < up) {
        throw new DfsError('ENOSPC', nodes.length === 0 ? 'no storage node has room for another block' : `only ${nodes.length} storage node(s) have room for the ${replicas} copies of a block`);
      }
      if (up === 0) throw new DfsError('EIO', 'no storage node is up to take the block', { reason: NO_NODES_REASON });
      if (up < min) throw new DfsError('EIO', `${up} storage node(s) up; a write needs ${min} copies`, { reason: NO_NODES_REASON });
      const id = randomBytes(16).toString('hex');
      this.allocations.set(id, { ino, expires, nodes: new Set(nodes.map((n) => n.id)) });
      this.nodes.reserve(nodes.map((n) => n.id), this.blockBytesOnNode);
      out.push({ id, nodes: nodes.map((n) => ({ id: n.id, url: n.url })), cap: this.capability('w', id), want: replicas, min });
    }
    return out;
  }

  /** The caller behind a request's token, or EACCES. */
  caller(meta: Meta): Caller {
    const token = meta.token;
    if (typeof token !== 'string' || token.length > 200) throw new DfsError('EACCES', 'not logged in');
    const session = hashToken(token);
    const found = this.state.users.sessionByHash(session, Date.now());
    if (!found) throw new DfsError('EACCES', 'session is invalid or expired; log in again', { reason: 'bad-session' });
    const { user } = found;
    return { user, uid: user.uid, gids: this.state.users.gidsOf(user), session };
  }

  /**
   * Proof that this session reached inode `ino` by a path it may search (fs.open, fs.create).
   * Calls that name a file by inode number (fs.blocks, fs.allocate, fs.commit) demand it, so
   * knowing or guessing an inode number does not bypass the directories' permissions.
   * Stateless: an HMAC of ino and session, valid as long as the session.
   */
  openTicket(c: Caller, ino: number): string {
    return createHmac('sha256', this.ticketKey).update(`${ino}:${c.session ?? ''}`).digest('base64url').slice(0, 32);
  }

  checkOpenTicket(c: Caller, ino: number, ticket: unknown): void {
    const want = Buffer.from(this.openTicket(c, ino));
    const got = Buffer.from(typeof ticket === 'string' ? ticket : '');
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new DfsError('EACCES', 'open the file by its path first', { reason: 'no-open-ticket' });
    }
  }

  /** Stops serving, snapshots what the journal holds (so the next start is quick) and closes it. */
  async stop(): Promise<void> {
    this.maintenance.stop();
    this.trashPurger.stop();
    await this.server.close();
    if (this.store && this.store.sinceSnapshot.records > 0) {
      await this.store.checkpoint({ inProcess: true }).catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'snapshot at shutdown failed'));
    }
    await this.log.close();
  }
}
