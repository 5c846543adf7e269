// The cluster as a whole: the file system's size (statfs, df), the cluster's status (nodes,
// blocks and their health), and fsck of a subtree against the nodes' real block lists.
import { DfsError } from '../rpc/errors.js';
import { pathField } from './paths.js';
import type { MasterContext, MasterHandlers } from './context.js';
import { fetchBlockLists, fsck } from './fsck.js';
import { isSuperuser } from './permissions.js';
import type { Paths } from './resolve.js';

export function adminHandlers(m: MasterContext, paths: Paths): MasterHandlers {
  const ns = m.state.ns;
  return {
    'fs.statfs': ({ meta }) => {
      m.caller(meta);
      // a file system that several nodes share is counted once (nodes.ts)
      const { capacity, used, free } = m.nodes.totals();
      return { meta: { blockSize: m.state.blockSize, capacity, used, free, files: ns.inodes.size } };
    },

    'cluster.status': ({ meta }) => {
      m.caller(meta);
      const nodes = [...m.nodes.nodes.values()].map((n) => ({
        id: n.id,
        url: n.url,
        alive: n.alive,
        capacity: n.capacity,
        used: n.used,
        blocks: n.blockCount,
        lastSeen: n.lastSeen,
        volume: n.volume ?? null,
      }));
      let files = 0;
      let dirs = 0;
      for (const n of ns.inodes.values()) {
        if (n.type === 'dir') dirs++;
        else files++;
      }
      const health = m.replication.scan();
      return {
        meta: {
          nodes,
          files,
          dirs,
          blocks: m.state.blocks.blocks.size,
          blockSize: m.state.blockSize,
          garbage: m.state.blocks.garbage.size,
          underReplicated: health.underReplicated,
          missing: health.missing,
          corrupt: health.corrupt,
          // of the missing, blocks whose every copy failed a reader's check: unreadable, kept
          lost: health.lost,
          // copies a write must store to succeed (a file's factor, if less, is enough)
          minReplicas: m.config.minReplicas,
          // the live nodes' space, a file system several nodes share counted once
          space: m.nodes.totals(),
        },
      };
    },

    'cluster.fsck': async ({ meta }) => {
      const c = m.caller(meta);
      if (!isSuperuser(c)) throw new DfsError('EACCES', 'fsck is for administrators');
      const p = pathField(meta, 'path');
      const { node } = paths.resolve(c, p, true);
      const { lists, failed } = await fetchBlockLists(m);
      return { meta: fsck(m, node, p, lists, failed) };
    },
  };
}
