// The dfs side of an exerciser run, five ways: the client library (two clients), one
// mount, two mounts of one cluster, and the mount's by-inode layer
// on the in-memory backend (test/helpers/mem-backend.ts) with the kernel caching for
// minutes. Each cluster has 64 KiB blocks, so that runs cross block boundaries often, but
// 'overlays': two clients on 512 KiB blocks (eight segments, 128 pages), with little room
// for dirty bytes, so that small writes go as overlays (src/master/block-overlays.ts), pile
// up, fold, and race each other's. Every run gets fresh directories.
import fs from 'node:fs';
import path from 'node:path';
import { ADMIN_PASSWORD, localCluster, spawnCluster, tempDir, type Teardown } from '../helpers/cluster.js';
import { mountInodeFs } from '../helpers/inode-mount.js';
import { mount } from '../helpers/mount.js';
import { DfsClient } from '../../src/client/client.js';
import { PAGE, SEGMENT } from '../../src/protocol/block-format.js';
import type { ExerciseOptions } from './exerciser.js';
import { ClientTarget, LocalTarget, type Target } from './targets.js';

const BLOCK = 64 * 1024;

export type SetupName = 'client' | 'mount' | 'mounts' | 'inode' | 'overlays';
export const SETUPS: readonly SetupName[] = ['client', 'mount', 'mounts', 'inode', 'overlays'];

type Prepared = Pick<ExerciseOptions, 'shape' | 'options' | 'newRun' | 'overlaysLaid'>;

export async function prepare(t: Teardown, which: SetupName): Promise<Prepared> {
  const base = tempDir(t, 'dfs-reference-');
  let n = 0;
  const refFor = (dir: string): { ref: Target; refRoot: string } => {
    const refRoot = path.join(base, dir);
    fs.mkdirSync(refRoot);
    return { ref: new LocalTarget('local', refRoot), refRoot };
  };
  if (which === 'client') {
    const cl = await localCluster(t, { blockSize: BLOCK });
    const clients = [cl.admin, await cl.client('admin', ADMIN_PASSWORD)];
    return {
      shape: { blockSize: BLOCK, mounts: 2, mmap: false },
      // the library keeps no unlinked file alive for its open handles (a mount does, by hiding it)
      options: { unlinkOpenSameMount: false, renameToItself: true, aliases: true },
      newRun: async () => {
        const dir = `run-${n++}`;
        await clients[0].mkdir(`/${dir}`);
        return { ...refFor(dir), mounts: clients.map((c, i) => new ClientTarget(`client ${i}`, c, `/${dir}`)) };
      },
    };
  }
  if (which === 'overlays') {
    const blockSize = 8 * SEGMENT;
    const cl = await localCluster(t, { blockSize });
    const clients: DfsClient[] = [];
    for (let i = 0; i < 2; i++) {
      const c = new DfsClient(cl.url, { limits: { dirtyBytes: 4 * SEGMENT } });
      await c.login('admin', ADMIN_PASSWORD);
      t.teardown(() => c.close());
      clients.push(c);
    }
    return {
      shape: { blockSize, mounts: 2, mmap: false, segment: PAGE },
      overlaysLaid: () => cl.master.state.ns.overlaysLaid,
      options: { unlinkOpenSameMount: false, renameToItself: true, aliases: true },
      newRun: async () => {
        const dir = `run-${n++}`;
        await clients[0].mkdir(`/${dir}`);
        return { ...refFor(dir), mounts: clients.map((c, i) => new ClientTarget(`client ${i}`, c, `/${dir}`)) };
      },
    };
  }
  if (which === 'inode') {
    const m = await mountInodeFs(t, { cache: { leased: 600 } });
    return {
      shape: { blockSize: BLOCK, mounts: 1, mmap: true },
      // one kernel inode per file, and unlinked open files kept by the backend: nothing to leave out
      options: { unlinkOpenSameMount: true, renameToItself: true, aliases: true },
      newRun: async () => {
        const dir = `run-${n++}`;
        fs.mkdirSync(path.join(m.dir, dir));
        return { ...refFor(dir), mounts: [new LocalTarget('inode mount', path.join(m.dir, dir))] };
      },
    };
  }
  // no trash: a file whose last name goes while it is open lives on as an orphan (its link
  // count 0, as the reference's), not as a trash item
  const cluster = await spawnCluster(t, { args: ['--memory', '--block-size', '64K', '--trash-days', '0'] });
  // the by-inode layer (dfs mount's default): the master keeps the kernel caches of both
  // mounts true, one kernel inode per file, unlinked open files held at the master
  const mounts = which === 'mount' ? [await mount(t, cluster)] : [await mount(t, cluster), await mount(t, cluster)];
  return {
    shape: { blockSize: BLOCK, mounts: mounts.length, mmap: true },
    options: { unlinkOpenSameMount: true, renameToItself: true, aliases: true },
    newRun: async () => {
      const dir = `run-${n++}`;
      fs.mkdirSync(path.join(mounts[0].dir, dir));
      return { ...refFor(dir), mounts: mounts.map((m, i) => new LocalTarget(`mount ${i}`, path.join(m.dir, dir))) };
    },
  };
}
