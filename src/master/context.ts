// What the master's services and background jobs are given: the narrow context they work
// through, not the Master. master.ts builds one and wires the services to it; a test can
// build one around an in-memory state (test/helpers/master-context.ts) and call a service's
// handlers without a listening master.
import type { Meta } from '../rpc/frame.js';
import type { Incoming, Peer, Reply } from '../rpc/peer.js';
import type { MasterMethod, Res } from '../protocol/methods.js';
import type { ClientInfo } from '../protocol/types.js';
import type { Logger } from '../log.js';
import type { Allocations } from './allocations.js';
import type { Capabilities } from './capabilities.js';
import type { Holds } from './holds.js';
import type { KeyWrapper } from './keys.js';
import type { Leases } from './leases.js';
import type { NodeRegistry } from './nodes.js';
import type { Caller } from './permissions.js';
import type { MutationRecord } from './records.js';
import type { Replicator } from './replication.js';
import type { MasterState } from './state.js';

/** Per-connection state of the master's RPC server. */
export interface ConnContext {
  /** This connection's own id (leases, the origin of a change). */
  id: string;
  /** The client's id, stable across its reconnects (client.hello): what holds are kept under. */
  holder?: string;
  /** The client caches by lease and is told of changes (client.hello { invalidations: true }). */
  invalidations?: boolean;
  caller?: Caller;
  tokenHash?: string;
  nodeId?: string;
  /** What a client said it is (client-service.ts). */
  client?: ClientInfo;
}

/** The cluster's settings the services read. */
export interface MasterConfig {
  /** Copies of each block a write must store to succeed (`dfs master --min-replicas`). */
  readonly minReplicas: number;
  /** How long removed items stay in the trash; 0: removing removes. */
  readonly trashMs: number;
  /** Session tokens live this long. */
  readonly sessionTtlMs: number;
  /** How often storage nodes heartbeat. */
  readonly heartbeatMs: number;
  /** Block ids per block.list page when the master lists a node's blocks. */
  readonly blockListPage?: number;
}

export interface MasterContext {
  readonly state: MasterState;
  /** Applies records now (later requests see them) and resolves once they are durable (records.ts). */
  mutate(records: MutationRecord[]): Promise<void>;
  /** The caller behind a request's token, or EACCES. */
  caller(meta: Meta): Caller;
  readonly capabilities: Capabilities;
  readonly nodes: NodeRegistry;
  readonly allocations: Allocations;
  readonly keys: KeyWrapper;
  readonly replication: Replicator;
  /** Files clients hold open (an unlinked one lives on while held). */
  readonly holds: Holds;
  /** What mounts may cache (inode-service.ts grants, mutate tells of changes). */
  readonly leases: Leases;
  readonly config: MasterConfig;
  readonly logger: Logger;
  /** Whether a request id is on record (request-once.ts), once that record is durable. */
  requestDone(key: string): Promise<boolean>;
}

/** Whom a connection's holds belong to. */
export function holderOf(c: ConnContext): string {
  return c.holder ?? c.id;
}

/** The copies a write of a file with `replicas` copies must store to succeed. */
export function minCopies(config: MasterConfig, replicas: number): number {
  return Math.max(1, Math.min(replicas, config.minReplicas));
}

/** What a handler of method M answers: its reply's fields, or nothing. */
export type Answer<M extends MasterMethod> = [Res<M>] extends [void] ? Reply | void : { meta: Res<M> };

/** A service's handlers, each typed by the method it serves (src/protocol/methods.ts). */
export type MasterHandlers = { [M in MasterMethod]?: (req: Incoming, peer: Peer<ConnContext>) => Answer<M> | Promise<Answer<M>> };
