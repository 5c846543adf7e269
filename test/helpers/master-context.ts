// A MasterContext around an in-memory state: the master's services called as functions, with
// no listening master, no journal and no storage nodes, as JuiceFS tests its VFS on memkv.
// Users log in by name (`as('alice')`); records are applied at once and kept for a look.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Meta } from '../../src/rpc/frame.js';
import type { Incoming, Peer } from '../../src/rpc/peer.js';
import { actingFor } from '../../src/master/acting-for.js';
import { Allocations } from '../../src/master/allocations.js';
import { Capabilities } from '../../src/master/capabilities.js';
import { minCopies, type ConnContext, type MasterContext, type MasterHandlers } from '../../src/master/context.js';
import { Holds } from '../../src/master/holds.js';
import { KeyWrapper } from '../../src/master/keys.js';
import { Leases } from '../../src/master/leases.js';
import { NamespaceOps } from '../../src/master/namespace-ops.js';
import { NodeRegistry } from '../../src/master/nodes.js';
import type { Caller } from '../../src/master/permissions.js';
import type { MutationRecord } from '../../src/master/records.js';
import { Replicator } from '../../src/master/replication.js';
import { currentRequest } from '../../src/master/request-once.js';
import { Paths } from '../../src/master/resolve.js';
import { MasterState } from '../../src/master/state.js';
import { hashToken } from '../../src/master/users.js';
import { bytesOnNode } from '../../src/protocol/block-format.js';
import { DfsError } from '../../src/rpc/errors.js';

export interface TestContext {
  ctx: MasterContext;
  paths: Paths;
  ops: NamespaceOps;
  /** Every record applied, in order. */
  records: MutationRecord[];
  /** Adds a user (uid, its own group) and returns a token for it. */
  user(name: string, uid: number, groups?: number[]): Promise<string>;
  /** Calls `method` of `handlers` as the user with `token` (on `peer`, by default one shared connection). */
  call(handlers: MasterHandlers, method: keyof MasterHandlers, token: string, meta?: Meta, peer?: Peer<ConnContext>): Promise<Meta | undefined>;
  /** Another connection, with its own context (a mount: `{ invalidations: true, holder }`). */
  peer(context?: Partial<ConnContext>): Peer<ConnContext>;
}

/** The errno a call fails with, or undefined when it succeeds. */
export async function errCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

export async function testContext(blockSize = 64 * 1024): Promise<TestContext> {
  const state = new MasterState(blockSize);
  const records: MutationRecord[] = [];
  const apply = (rs: MutationRecord[]): void => {
    for (const r of rs) {
      state.apply(r);
      records.push(r);
    }
  };
  apply([{ op: 'format', time: Date.now(), blockSize, replicas: 1 }]);
  const nodes = new NodeRegistry(5000, state.draining);
  const capabilities = new Capabilities(randomBytes(32), randomBytes(32));
  const config = { minReplicas: 1, trashMs: 0, sessionTtlMs: 3_600_000, heartbeatMs: 1000 };
  const partial = {
    state,
    nodes,
    capabilities,
    config,
    holds: new Holds(0),
    leases: new Leases(60_000),
    keys: new KeyWrapper(randomBytes(32)),
    allocations: new Allocations(nodes, capabilities, { minCopies: (r: number) => minCopies(config, r), blockBytesOnNode: bytesOnNode(blockSize) }),
    logger: pino({ level: 'silent' }),
    // as Master.mutate: a change made for a request id is journaled with it (request-once.ts)
    mutate: async (rs: MutationRecord[]) => {
      const key = currentRequest.getStore();
      apply(key !== undefined && !state.requests.has(key) ? [...rs, { op: 'request', key, time: Date.now() }] : rs);
    },
    requestDone: async (key: string) => state.requests.has(key),
    caller(meta: Meta): Caller {
      const found = typeof meta.token === 'string' ? state.users.sessionByHash(hashToken(meta.token), Date.now()) : undefined;
      if (!found) throw new DfsError('EACCES', 'not logged in');
      if (meta.as !== undefined) return actingFor(found.user, meta.as, hashToken(meta.token as string));
      return { user: found.user, uid: found.user.uid, gids: state.users.gidsOf(found.user), session: hashToken(meta.token as string) };
    },
  };
  const ctx: MasterContext = { ...partial, replication: new Replicator(partial) };
  const paths = new Paths(ctx);
  const ops = new NamespaceOps(ctx, paths);
  const peer = { context: { id: 'test' } } as unknown as Peer<ConnContext>;
  return {
    ctx,
    paths,
    ops,
    records,
    async user(name, uid, groups = []) {
      const token = randomBytes(16).toString('hex');
      apply([
        { op: 'user', name, uid, gid: uid, salt: '', hash: '', admin: uid === 0, groups },
        { op: 'session', hash: hashToken(token), user: name, expires: Date.now() + 3_600_000 },
      ]);
      return token;
    },
    peer: (context = {}) => ({ context: { id: randomBytes(6).toString('hex'), ...context } }) as unknown as Peer<ConnContext>,
    async call(handlers, method, token, meta = {}, on = peer) {
      const h = handlers[method] as ((req: Incoming, p: Peer<ConnContext>) => unknown) | undefined;
      if (!h) throw new Error(`no handler for ${String(method)}`);
      const reply = (await h({ meta: { ...meta, token }, payload: Buffer.alloc(0) }, on)) as { meta?: Meta } | undefined;
      return reply?.meta;
    },
  };
}
