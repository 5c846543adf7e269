// What the mount bench runs its workloads on, each started fresh for a round and stopped after:
// dfs (`dfs up` with three disk nodes and `dfs mount`, encrypted) keeping one copy and two,
// MooseFS (bench/moosefs.ts) keeping one copy and two, the do-nothing fuse-native mount
// (bench/null-mount.ts: the most any fuse-native mount can do here) and the local disk. All
// of them keep their data under the same temporary directory, on the same disk.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DFS_BIN } from '../test/helpers/cluster.js';
import { startCluster } from './cli-bench.js';
import { startMooseFs } from './moosefs.js';
import { dropCaches, isMounted, start, unmount, unmountLater, waitFor, type Started } from './processes.js';

const NULL_MOUNT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'null-mount.js');
const MOUNT_TIMEOUT_MS = 60_000;

/** What a process does, for the CPU figures; `dfs up` is master and storage nodes in one. */
export type Role = 'mount' | 'master' | 'storage' | 'master+storage';

export interface Counted {
  label: string;
  role: Role;
  pid: number;
}

export type TargetKind = 'dfs' | 'moosefs' | 'null' | 'local';

export interface Target {
  /** Where the workloads run. */
  dir: string;
  /** Before a read: a fresh mount where the target has one, and the page cache dropped. */
  freshen(): Promise<void>;
  /** The processes that serve it now, for the CPU figures (none for the local disk). */
  processes(): Counted[];
  stop(): Promise<void>;
}

export interface TargetSpec {
  name: string;
  kind: TargetKind;
  /** Copies of each block or chunk it keeps, for the two cluster file systems. */
  copies?: number;
  /** Starts it with its state under `work`, a fresh directory. */
  start(work: string): Promise<Target>;
}

/** A FUSE daemon in a process of its own that prints "mounted: " once it serves `dir`. */
export async function mountDaemon(name: string, dir: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Started> {
  fs.mkdirSync(dir, { recursive: true });
  const proc = start(name, cmd, args, env);
  await waitFor(`${name} to mount ${dir}`, () => /^mounted: /m.test(proc.output()) && isMounted(dir), MOUNT_TIMEOUT_MS, [proc]);
  return proc;
}

/** Stops a mount daemon (it unmounts on SIGTERM) and clears the mount should it have died. */
export async function stopDaemon(proc: Started, dir: string): Promise<void> {
  await proc.stop();
  await unmount(dir);
}

function withCopies(system: string, copies: number): string {
  return `${system}, ${copies} ${copies === 1 ? 'copy' : 'copies'}`;
}

function dfsTarget(copies: number): TargetSpec {
  return {
    name: withCopies('dfs', copies),
    kind: 'dfs',
    copies,
    start: async (work) => {
      const cluster = await startCluster(work, ['--storage-nodes', '3', '--replicas', String(copies)]);
      const dir = path.join(work, 'mnt');
      const mountUndone = unmountLater(dir);
      const mountNow = (): Promise<Started> => mountDaemon('dfs mount', dir, DFS_BIN, ['mount', dir, '--master', cluster.url], { ...cluster.env, DFS_NODE: process.execPath });
      let daemon: Started;
      try {
        daemon = await mountNow();
      } catch (err) {
        await cluster.stop();
        throw err;
      }
      return {
        dir,
        freshen: async () => {
          await stopDaemon(daemon, dir);
          daemon = await mountNow();
          dropCaches();
        },
        processes: () => [
          { label: 'dfs mount', role: 'mount', pid: daemon.pid },
          { label: 'dfs up', role: 'master+storage', pid: cluster.proc.pid },
        ],
        stop: async () => {
          await stopDaemon(daemon, dir);
          mountUndone();
          await cluster.stop();
        },
      };
    },
  };
}

function mooseFsTarget(copies: number): TargetSpec {
  return {
    name: withCopies('MooseFS', copies),
    kind: 'moosefs',
    copies,
    start: async (work) => {
      const mfs = await startMooseFs(work, copies);
      return {
        dir: mfs.mountpoint,
        freshen: async () => {
          await mfs.remount();
          dropCaches();
        },
        processes: () => [
          { label: 'mfsmount', role: 'mount', pid: mfs.client().pid },
          { label: 'mfsmaster', role: 'master', pid: mfs.master.pid },
          ...mfs.chunkservers.map((c) => ({ label: c.name, role: 'storage' as const, pid: c.pid })),
        ],
        stop: () => mfs.stop(),
      };
    },
  };
}

const nullTarget: TargetSpec = {
  name: 'do-nothing mount',
  kind: 'null',
  start: async (work) => {
    const dir = path.join(work, 'mnt');
    const mountUndone = unmountLater(dir);
    const daemon = await mountDaemon('null mount', dir, process.execPath, [NULL_MOUNT, dir], process.env);
    return {
      dir,
      // a remount would forget the files it has: it keeps their sizes in memory only
      freshen: async () => {
        dropCaches();
      },
      processes: () => [{ label: 'null mount', role: 'mount', pid: daemon.pid }],
      stop: async () => {
        await stopDaemon(daemon, dir);
        mountUndone();
      },
    };
  },
};

const localTarget: TargetSpec = {
  name: 'local disk',
  kind: 'local',
  start: async (work) => {
    const dir = path.join(work, 'local');
    fs.mkdirSync(dir);
    return {
      dir,
      freshen: async () => {
        dropCaches();
      },
      processes: () => [],
      stop: async () => undefined,
    };
  },
};

/** Every target, in the order the first round runs them (later rounds rotate it). */
export const TARGETS: TargetSpec[] = [dfsTarget(1), dfsTarget(2), mooseFsTarget(1), mooseFsTarget(2), nullTarget, localTarget];
