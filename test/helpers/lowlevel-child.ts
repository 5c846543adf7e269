// Serves a MemFs (lowlevel-memfs.ts) on the low-level binding in a process of its own (a
// process must never touch the mount it serves), driven by the test over the IPC channel:
//   node lowlevel-child.js MOUNTPOINT CONFIG_JSON
// It sends {event: 'mounted' | 'held' | 'ended'} and answers each {id, cmd} with {id, ...}.
import { LowLevelSession, type LowLevelMountOptions } from '../../src/fuse/lowlevel.js';
import { toDfsError } from '../../src/rpc/errors.js';
import { MemFs, type MemFsOptions } from './lowlevel-memfs.js';

export interface ChildConfig {
  fs?: MemFsOptions;
  mount?: Omit<LowLevelMountOptions, 'log'>;
  /** Operations whose caller's identity (with groups) the file system records. */
  record?: string[];
}

export type ChildCommand =
  | { cmd: 'stats' }
  | { cmd: 'hold'; key: string }
  | { cmd: 'release'; key: string }
  | { cmd: 'ino'; name: string }
  | { cmd: 'invalInode'; ino: number; offset?: number; length?: number }
  | { cmd: 'invalEntry'; parent: number; name: string }
  | { cmd: 'delete'; parent: number; child: number; name: string }
  | { cmd: 'unmount' }
  | { cmd: 'exit'; code: number }
  | { cmd: 'cpu' };

const [mountpoint, json] = process.argv.slice(2);
const cfg = JSON.parse(json ?? '{}') as ChildConfig;
const memfs = new MemFs(cfg.fs);
for (const op of cfg.record ?? []) memfs.recordContextOf.add(op);
const send = (m: object): void => {
  process.send?.(m);
};
memfs.onHeld = (key) => send({ event: 'held', key });

function stats(session: LowLevelSession): object {
  const sizes = (list: number[]): Record<string, number> => {
    const h: Record<string, number> = {};
    for (const n of list) h[n] = (h[n] ?? 0) + 1;
    return h;
  };
  return {
    calls: Object.fromEntries(memfs.calls),
    writeSizes: sizes(memfs.writeSizes),
    readSizes: sizes(memfs.readSizes),
    contexts: memfs.contexts,
    interrupts: memfs.interrupts,
    forgets: memfs.forgets,
    inodes: memfs.inodeCount,
    detached: memfs.detachedAfterReply,
    session: session.stats(),
  };
}

async function answer(session: LowLevelSession, c: ChildCommand): Promise<object> {
  switch (c.cmd) {
    case 'stats':
      return stats(session);
    case 'hold':
      memfs.holds.add(c.key);
      return {};
    case 'release':
      return { released: memfs.letGo(c.key) };
    case 'ino':
      return { ino: memfs.inoOf(c.name), lookups: memfs.lookupsOf(c.name) };
    case 'invalInode':
      return { result: await session.notifyInvalInode(c.ino, c.offset, c.length) };
    case 'invalEntry':
      return { result: await session.notifyInvalEntry(c.parent, c.name) };
    case 'delete':
      return { result: await session.notifyDelete(c.parent, c.child, c.name) };
    case 'unmount':
      await session.unmount();
      return {};
    case 'exit':
      process.exit(c.code);
    // eslint-disable-next-line no-fallthrough
    case 'cpu':
      return process.cpuUsage();
  }
}

async function main(): Promise<void> {
  let session: LowLevelSession;
  try {
    session = await LowLevelSession.mount(mountpoint, memfs, { ...cfg.mount, log: (l) => process.stderr.write(`${l}\n`) });
  } catch (err) {
    const e = toDfsError(err);
    send({ event: 'failed', code: e.code, message: e.message });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  process.on('message', (m: { id: number } & ChildCommand) => {
    answer(session, m).then(
      (r) => send({ id: m.id, ...r }),
      (err: unknown) => send({ id: m.id, error: toDfsError(err).code, message: (err as Error).message }),
    );
  });
  process.on('SIGTERM', () => void session.unmount());
  void session.ended.then(async (e) => {
    // what the session answers once it has ended
    const notifyAfterEnd = await session.notifyInvalEntry(1, 'x').then(
      () => 'resolved',
      (err: unknown) => toDfsError(err).code,
    );
    await session.unmount();
    send({ event: 'ended', ...e, notifyAfterEnd, requests: session.stats().requests });
    process.disconnect?.();
  });
  send({ event: 'mounted', conn: session.connection });
}

void main();
