// Who is connected, and what the master is: each client says on connecting what it is
// (a mount and its mount point, a CLI, a program on the library), from which host, at which
// version; `cluster.info` lists them with the master's own version and uptime, for
// `dfs status`.
import { DEFAULTS } from '../defaults.js';
import type { ClientInfo } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { bool, int, optStr, str } from '../rpc/params.js';
import { buildInfo } from '../version.js';
import type { Peer } from '../rpc/peer.js';
import type { ConnContext, MasterContext, MasterHandlers } from './context.js';
import { forgetIfOrphan } from './inode-service.js';
import { hashToken } from './users.js';

/** The files a client says it holds open: [{ ino, ticket }], at most DEFAULTS.maxHeldPerHello. */
function holdsOf(v: unknown): { ino: number; ticket: string }[] {
  if (!Array.isArray(v) || v.length > DEFAULTS.maxHeldPerHello) throw new DfsError('EINVAL', `field 'holds' must be a list of at most ${DEFAULTS.maxHeldPerHello} files`);
  return v.map((h: unknown) => {
    const { ino, ticket } = (h ?? {}) as { ino?: unknown; ticket?: unknown };
    if (!Number.isSafeInteger(ino) || (ino as number) < 1 || typeof ticket !== 'string') throw new DfsError('EINVAL', "each of 'holds' must be { ino, ticket }");
    return { ino: ino as number, ticket };
  });
}

const KINDS = new Set<string>(['mount', 'cli', 'client'] satisfies ClientInfo['kind'][]);

/** What the master says of itself: the connections it serves and when it started. */
export interface ServerView {
  peers(): Iterable<Peer<ConnContext>>;
  startedAt(): number | undefined;
}

export function clientHandlers(m: MasterContext, server: ServerView): MasterHandlers {
  return {
    'client.hello': async ({ meta }, peer) => {
      const kind = str(meta, 'kind', 16);
      if (!KINDS.has(kind)) throw new DfsError('EINVAL', `field 'kind' must be one of ${[...KINDS].join(', ')}`);
      const token = optStr(meta, 'token', 200);
      const session = token === undefined ? undefined : m.state.users.sessionByHash(hashToken(token), Date.now());
      peer.context.client = {
        kind: kind as ClientInfo['kind'],
        host: str(meta, 'host', 255),
        address: peer.remoteAddress,
        mountpoint: optStr(meta, 'mountpoint', 4096),
        version: str(meta, 'version', 100),
        pid: int(meta, 'pid', 0, 2 ** 32),
        user: session?.user.name,
        since: Date.now(),
      };
      // a mount: it caches by lease and is told of changes, and it keeps the files it holds
      // open across a reconnect by stating them again (holds.ts)
      peer.context.invalidations = bool(meta, 'invalidations');
      const id = optStr(meta, 'id', 64);
      if (id !== undefined) peer.context.holder = id;
      if (id === undefined || meta.holds === undefined) return;
      if (!session) throw new DfsError('EACCES', 'not logged in: files held open need a session');
      const c = m.caller(meta);
      const held = holdsOf(meta.holds).filter(({ ino, ticket }) => {
        try {
          m.capabilities.checkTicket(c, ino, ticket);
          return true;
        } catch {
          return false; // another session's, or made up: not held
        }
      });
      for (const ino of m.holds.restate(
        id,
        held.map((h) => h.ino),
      ))
        await forgetIfOrphan(m, ino);
    },

    'cluster.info': ({ meta }, peer) => {
      m.caller(meta);
      const clients = [...server.peers()].filter((p) => p.context.client).map((p) => ({ ...p.context.client!, current: p === peer }));
      const bin = m.state.trash;
      let files = 0;
      let bytes = 0;
      for (const e of bin.entries.values()) {
        files += e.files;
        bytes += e.bytes;
      }
      const now = Date.now();
      return {
        meta: {
          ...buildInfo(),
          startedAt: server.startedAt() ?? now,
          now,
          clients,
          trash: { items: bin.entries.size, files, bytes, retentionMs: m.config.trashMs },
        },
      };
    },
  };
}
