// The master: owns the state, applies and logs mutations, and serves RPC.
import { REASON } from '../protocol/reasons.js';
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import type { Peer } from '../rpc/peer.js';
import { RpcServer, type TlsFiles } from '../rpc/server.js';
import { Allocations } from './allocations.js';
import { Capabilities } from './capabilities.js';
import { actingFor } from './acting-for.js';
import { holderOf, minCopies, type ConnContext, type MasterConfig, type MasterContext, type MasterHandlers } from './context.js';
import { Holds } from './holds.js';
import { touchedBy } from './invalidations.js';
import { Leases } from './leases.js';
import { currentOrigin, withOrigin } from './origin.js';
import type { Invalidation } from '../protocol/methods.js';
import type { Replicator } from './replication.js';
import { bytesOnNode } from '../protocol/block-format.js';
import { KeyWrapper, loadOrCreateSecret } from './keys.js';
import { NodeRegistry } from './nodes.js';
import type { Caller } from './permissions.js';
import type { MutationLog, MutationRecord } from './records.js';
import { MasterState } from './state.js';
import { ADMIN_UID, hashToken, newPasswordHash, newToken } from './users.js';
import { authHandlers } from './auth-service.js';
import { adminHandlers } from './admin-service.js';
import { blockHandlers } from './block-service.js';
import { NamespaceOps } from './namespace-ops.js';
import { namespaceHandlers } from './namespace-service.js';
import { inodeHandlers } from './inode-service.js';
import { xattrHandlers } from './xattr-service.js';
import { lockHandlers } from './lock-service.js';
import { LockTable } from './locks.js';
import { Paths } from './resolve.js';
import { trashHandlers } from './trash-service.js';
import { usageHandlers } from './usage-service.js';
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
import { nodeAdminHandlers } from './node-admin-service.js';

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

export type { ConnContext } from './context.js';

/**
 * The master: owns the state and the journal, serves RPC, and runs maintenance. It is the
 * one place that wires the services: each takes the MasterContext it implements.
 */
export class Master implements MasterContext {
  readonly state: MasterState;
  readonly nodes: NodeRegistry;
  readonly keys: KeyWrapper;
  readonly joinSecret: string;
  readonly capabilities: Capabilities;
  /** Blocks handed to a writer and not yet committed. GC must leave them alone. */
  readonly allocations: Allocations;
  readonly config: MasterConfig;
  readonly server: RpcServer<ConnContext>;
  readonly maintenance: Maintenance;
  /** Where mutations become durable: the journal once `start` has loaded the data dir. */
  log: MutationLog = { append: async () => undefined, close: async () => undefined };
  store?: MetadataStore;
  readonly logger: Logger;
  readonly metrics = new RpcMetrics('dfs_master');
  /** Time of each journal write+fsync; the journal observes it. */
  readonly journalFsyncSeconds: Histogram;
  /** One line to the log, for start-up and maintenance notes. */
  readonly say = (line: string): void => this.logger.info(line);
  readonly loginGuard: LoginGuard;
  readonly trashPurger: TrashPurger;
  readonly holds: Holds;
  readonly leases = new Leases(DEFAULTS.leaseMs);
  /** flock and record locks of the mounts; a connection's go with it. */
  readonly locks = new LockTable();
  /** Live connections by id, for the changes pushed to them. */
  private readonly byConnection = new Map<string, Peer<ConnContext>>();
  /** When `start` began serving (ms), for `dfs status`. */
  startedAt?: number;
  /** Requests whose record is applied but not yet durable: a retry's answer waits for it. */
  private readonly requestsInFlight = new Map<string, Promise<void>>();

  constructor(readonly options: MasterOptions) {
    this.state = new MasterState(options.blockSize ?? DEFAULTS.blockSize);
    this.nodes = new NodeRegistry(options.deadAfterMs ?? DEFAULTS.deadAfterMs, this.state.draining);
    this.keys = new KeyWrapper(loadOrCreateSecret(options.dataDir, 'master.key', () => randomBytes(32)));
    const capKey = loadOrCreateSecret(options.dataDir, 'capability.key', () => randomBytes(32));
    this.joinSecret =
      options.joinSecret ??
      loadOrCreateSecret(options.dataDir, 'join-secret', () => Buffer.from(randomBytes(24).toString('base64url')))
        .toString('utf8')
        .trim();
    this.config = {
      minReplicas: options.minReplicas ?? DEFAULTS.minReplicas,
      trashMs: Math.max(0, options.trashMs ?? DEFAULTS.trashRetentionMs),
      sessionTtlMs: options.sessionTtlMs ?? DEFAULTS.sessionTtlMs,
      heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
      blockListPage: options.blockListPage,
    };
    this.logger = options.logger ?? makeLogger('master');
    this.journalFsyncSeconds = this.metrics.histogram('journal_fsync_seconds', 'Journal group-commit write+fsync time', [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1]);
    this.registerGauges();
    this.loginGuard = new LoginGuard({ ...DEFAULTS.login, ...options.loginLimits });
    this.holds = new Holds(DEFAULTS.holdGraceMs);
    this.capabilities = new Capabilities(capKey, this.keys.derive('open-ticket'));
    this.allocations = new Allocations(
      this.nodes,
      this.capabilities,
      { minCopies: (replicas) => minCopies(this.config, replicas), blockBytesOnNode: this.blockBytesOnNode },
      options.allocationTtlMs,
    );
    this.trashPurger = new TrashPurger(this, options.trashPurgeEveryMs ?? DEFAULTS.trashPurgeEveryMs);
    const paths = new Paths(this);
    const ops = new NamespaceOps(this, paths);
    const handlers: MasterHandlers = {
      ...authHandlers(this, this.loginGuard),
      ...accountHandlers(this),
      ...namespaceHandlers(this, paths, ops),
      ...inodeHandlers(this, paths, ops),
      ...xattrHandlers(this, paths),
      ...lockHandlers(this, paths, this.locks),
      ...blockHandlers(this, paths, ops),
      ...adminHandlers(this, paths),
      ...trashHandlers(this, paths),
      ...usageHandlers(this, paths),
      ...nodeHandlers(this, this.joinSecret),
      ...clientHandlers(this, { peers: () => this.server.peers, startedAt: () => this.startedAt }),
      ...nodeAdminHandlers(this),
    };
    this.server = new RpcServer<ConnContext>({
      host: options.host,
      port: options.port,
      tls: options.tls,
      maxMessageBytes: DEFAULTS.masterMaxMessage,
      handlers: withOrigin(handlers),
      newContext: () => ({ id: randomBytes(9).toString('base64url') }),
      onConnect: (peer) => void this.byConnection.set(peer.context.id, peer),
      onDisconnect: (peer) => {
        this.byConnection.delete(peer.context.id);
        this.leases.dropConnection(peer.context.id);
        this.locks.dropConnection(peer.context.id);
        // a client that dialled in again before its old link closed still holds its files
        const holder = holderOf(peer.context);
        if (![...this.byConnection.values()].some((p) => holderOf(p.context) === holder)) this.holds.disconnected(holder);
      },
      metrics: this.metrics,
      httpHandler: (req, res) => {
        if (req.url !== '/healthz') return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return true;
      },
    });
    this.maintenance = new Maintenance(this, () => this.store, options.replication);
  }

  get blockSize(): number {
    return this.state.blockSize;
  }

  get replication(): Replicator {
    return this.maintenance.replication;
  }

  /** What a full block takes on a node's disk (sealed, with the node's header): what a node needs free to take a new one. */
  get blockBytesOnNode(): number {
    return bytesOnNode(this.blockSize);
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
          inodes: this.state.ns.inodes.size,
          snapshot: report.snapshot,
          snapshotMs: Math.round(report.snapshotMs),
          journalRecords: report.replayed,
          replayMs: Math.round(report.replayMs),
        },
        'metadata loaded',
      );
    }
    const now = Date.now();
    if (!this.state.formatted) {
      await this.mutate([{ op: 'format', time: now, blockSize: this.options.blockSize ?? DEFAULTS.blockSize, replicas: this.options.replicas ?? DEFAULTS.replicas }]);
    } else {
      this.holds.restarted(now);
      if (this.options.blockSize !== undefined && this.options.blockSize !== this.state.blockSize) {
        this.logger.warn({ blockSize: this.state.blockSize }, "keeping the cluster's block size; a cluster's block size cannot change");
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
    m.gauge('lost_blocks', "Blocks whose every live copy failed a client's check (counted as missing too)", () => this.maintenance.counts().lost);
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
   * Applies records now (so later requests see them) and resolves once they are durable and
   * the other mounts that cached what they change have dropped it (leases.ts).
   * Within a request that carries an id (request-once.ts) the first batch also records the
   * request, so that a retry of it is answered as done and not done again.
   */
  mutate(records: MutationRecord[]): Promise<void> {
    const key = currentRequest.getStore();
    const request = key !== undefined && !this.state.requests.has(key);
    const batch: MutationRecord[] = request ? [...records, { op: 'request', key, time: Date.now() }] : records;
    // what the batch touches that other mounts may cache, read before it changes the names
    const touched = this.leases.any ? batch.flatMap((r) => touchedBy(this.state, r)) : [];
    for (const r of batch) this.state.apply(r);
    const durable = this.log.append(batch);
    let told = durable;
    if (touched.length > 0) {
      // the change's maker hears it is done once the other mounts caching what it touched
      // have dropped that: a program that goes on in another mount sees the change
      const origin = currentOrigin.getStore();
      told = durable.then(() => this.tell(this.leases.affected(touched, origin)));
    }
    if (request) {
      this.requestsInFlight.set(key, durable);
      const forget = (): void => void this.requestsInFlight.delete(key);
      durable.then(forget, forget);
    }
    return told;
  }

  /**
   * Pushes to each connection what it must drop from its caches, and waits for the answers,
   * each at most DEFAULTS.invalidationWaitMs: a mount that does not answer in time holds no
   * one else up for longer (its leases end with its connection).
   */
  private async tell(changes: Map<string, Invalidation[]>): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const [conn, list] of changes) {
      const peer = this.byConnection.get(conn);
      if (peer) waits.push(peer.call('inval', { changes: list }, undefined, DEFAULTS.invalidationWaitMs).catch(() => undefined));
    }
    await Promise.all(waits);
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
    const expires = now + this.config.sessionTtlMs;
    await this.mutate([{ op: 'session', hash: hashToken(token), user, expires, created: now, from: 'local' }]);
    return { token, expires };
  }

  /** The caller behind a request's token, or EACCES. */
  caller(meta: Meta): Caller {
    const token = meta.token;
    if (typeof token !== 'string' || token.length > 200) throw new DfsError('EACCES', 'not logged in');
    const session = hashToken(token);
    const found = this.state.users.sessionByHash(session, Date.now());
    if (!found) throw new DfsError('EACCES', 'session is invalid or expired; log in again', { reason: REASON.badSession });
    const { user } = found;
    if (meta.as === undefined) return { user, uid: user.uid, gids: this.state.users.gidsOf(user), session };
    return actingFor(user, meta.as, session);
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
