// Who is connected, and what the master is: each client says on connecting what it is
// (a mount and its mount point, a CLI, a program on the library), from which host, at which
// version; `cluster.info` lists them with the master's own version and uptime, for
// `dfs status`.
import type { ClientInfo } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { int, optStr, str } from '../rpc/params.js';
import { buildInfo } from '../version.js';
import type { Peer } from '../rpc/peer.js';
import type { ConnContext, MasterContext, MasterHandlers } from './context.js';
import { hashToken } from './users.js';

const KINDS = new Set<string>(['mount', 'cli', 'client'] satisfies ClientInfo['kind'][]);

/** What the master says of itself: the connections it serves and when it started. */
export interface ServerView {
  peers(): Iterable<Peer<ConnContext>>;
  startedAt(): number | undefined;
}

export function clientHandlers(m: MasterContext, server: ServerView): MasterHandlers {
  return {
    'client.hello': ({ meta }, peer) => {
      const kind = str(meta, 'kind', 16);
      if (!KINDS.has(kind)) throw new DfsError('EINVAL', `field 'kind' must be one of ${[...KINDS].join(', ')}`);
      const token = optStr(meta, 'token', 200);
      const session = token === undefined ? undefined : m.state.users.sessionByHash(hashToken(token), Date.now());
      peer.context.client = {
        kind: kind as ClientInfo['kind'], host: str(meta, 'host', 255), address: peer.remoteAddress, mountpoint: optStr(meta, 'mountpoint', 4096),
        version: str(meta, 'version', 100), pid: int(meta, 'pid', 0, 2 ** 32), user: session?.user.name, since: Date.now(),
      };
    },

    'cluster.info': ({ meta }, peer) => {
      m.caller(meta);
      const clients = [...server.peers()]
        .filter((p) => p.context.client)
        .map((p) => ({ ...p.context.client!, current: p === peer }));
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
          ...buildInfo(), startedAt: server.startedAt() ?? now, now, clients,
          trash: { items: bin.entries.size, files, bytes, retentionMs: m.config.trashMs },
        },
      };
    },
  };
}
