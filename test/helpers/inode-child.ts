// Serves the dfs mount's by-inode layer (src/fuse/inode-daemon.ts) on the in-memory backend
// in a process of its own (a process must never touch the mount it serves), driven by the
// test over the IPC channel (test/helpers/inode-mount.ts):
//   node inode-child.js MOUNTPOINT CONFIG_JSON
// Besides the mount's session of the store, a "remote" session makes the changes a test asks
// for, which the mount hears of as invalidations.
import { IdMap, parseLocalAccounts, type IdMapMode } from '../../src/client/id-map.js';
import { InodeMountDaemon } from '../../src/fuse/inode-daemon.js';
import type { CacheLimits } from '../../src/fuse/kernel-cache.js';
import { toDfsError } from '../../src/rpc/errors.js';
import { MemSession } from './mem-backend.js';
import { applyRemote, resolve, type RemoteChange } from './mem-remote.js';
import { MemStore } from './mem-store.js';

export interface InodeChildConfig {
  cache?: Partial<CacheLimits>;
  /** Entries in a page of the backend's directory listings. */
  pageSize?: number;
  allowOther?: boolean;
  masterGoneMs?: number;
  /** Every operation on stderr (dfs mount --trace). */
  trace?: boolean;
  /** The dfs user the mount acts as. */
  owner?: { uid: number; gid: number };
  /** An id map by name: the cluster's accounts, and the local ones as passwd(5) and group(5) text. */
  ids?: {
    mode: IdMapMode;
    users: { name: string; uid: number; gid: number }[];
    groups: { name: string; gid: number }[];
    passwd: string;
    group: string;
  };
}

export type InodeChildCommand =
  | { cmd: 'stats' }
  | { cmd: 'node'; path: string }
  | { cmd: 'remote'; change: RemoteChange }
  | { cmd: 'channel'; up: boolean }
  /** The mount's next calls of a backend operation wait until released ({event: 'held', op} says one does). */
  | { cmd: 'hold'; op: string }
  | { cmd: 'release'; op: string }
  | { cmd: 'exit'; code: number };

const [mountpoint, json] = process.argv.slice(2);
const cfg = JSON.parse(json ?? '{}') as InodeChildConfig;
const store = new MemStore(cfg.pageSize);
const mount = new MemSession(store, 'mount', cfg.owner);
const remote = new MemSession(store, 'remote');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const send = (m: object): void => {
  process.send?.(m);
};
mount.onHeld = (op) => send({ event: 'held', op });

function idMap(): IdMap {
  const o = cfg.ids;
  if (!o) return new IdMap({ mode: 'identity' }, [], [], { users: new Map(), groups: new Map() });
  return new IdMap({ mode: o.mode }, o.users, o.groups, parseLocalAccounts(o.passwd, o.group));
}

const daemon = new InodeMountDaemon({
  mountpoint,
  backend: mount,
  masterUrl: 'mem://store',
  log,
  ids: idMap(),
  allowOther: cfg.allowOther,
  masterGoneMs: cfg.masterGoneMs,
  cache: cfg.cache,
  trace: cfg.trace,
  onStop: (reason, failed) => {
    send({ event: 'stopped', reason, failed, published: store.published });
    process.exit(failed ? 1 : 0);
  },
});

function stats(): object {
  const sizes: Record<string, number> = {};
  for (const n of mount.writeSizes) sizes[n] = (sizes[n] ?? 0) + 1;
  return {
    calls: Object.fromEntries(mount.calls),
    writeSizes: sizes,
    fs: daemon.fileSystem?.stats(),
    store: store.counts(),
    published: store.published,
    lost: mount.lost,
  };
}

async function answer(c: InodeChildCommand): Promise<object> {
  switch (c.cmd) {
    case 'stats':
      return stats();
    case 'node': {
      const ref = await resolve(remote, c.path);
      const attr = await remote.getattr(ref);
      return { ino: ref.ino, lookups: daemon.fileSystem?.lookupsOf(ref.ino) ?? 0, uid: attr.uid, gid: attr.gid };
    }
    case 'remote':
      await applyRemote(remote, c.change);
      return {};
    case 'channel':
      mount.channel(c.up);
      return {};
    case 'hold':
      mount.hold(c.op);
      return {};
    case 'release':
      mount.letGo(c.op);
      return {};
    case 'exit':
      process.exit(c.code);
  }
}

async function main(): Promise<void> {
  try {
    await daemon.start();
  } catch (err) {
    const e = toDfsError(err);
    send({ event: 'failed', code: e.code, message: e.message });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  process.on('message', (m: { id: number } & InodeChildCommand) => {
    answer(m).then(
      (r) => send({ id: m.id, ...r }),
      (err: unknown) => send({ id: m.id, error: toDfsError(err).code, message: (err as Error).message }),
    );
  });
  process.on('SIGTERM', () => {
    void daemon.stop().then(() => {
      send({ event: 'stopped', reason: 'SIGTERM', failed: false, published: store.published });
      process.exit(0);
    });
  });
  send({ event: 'mounted' });
}

void main();
