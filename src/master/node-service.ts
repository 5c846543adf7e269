// Storage nodes join with the cluster's join secret and then heartbeat over the same link.
import { timingSafeEqual } from 'node:crypto';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { arr, int, optInt, optStr, str } from '../rpc/params.js';
import type { Peer } from '../rpc/peer.js';
import type { MasterContext, MasterHandlers } from './context.js';
import type { NodeSpace } from './nodes.js';

/** A node's report of its space (node.register, node.heartbeat). */
function spaceOf(meta: Meta): NodeSpace {
  const volume = optStr(meta, 'volume', 256);
  const volumeFree = optInt(meta, 'volumeFree');
  return {
    capacity: int(meta, 'capacity'),
    used: int(meta, 'used'),
    blockCount: int(meta, 'blockCount'),
    ...(volume !== undefined && volumeFree !== undefined ? { volume, volumeFree } : {}),
  };
}

function secretMatches(got: string, want: string): boolean {
  const a = Buffer.from(got);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `joinSecret`: what a storage node must show to join. */
export function nodeHandlers(m: MasterContext, joinSecret: string): MasterHandlers {
  return {
    'node.register': ({ meta }, peer) => {
      if (!secretMatches(str(meta, 'secret', 256), joinSecret)) {
        throw new DfsError('EACCES', 'wrong join secret');
      }
      const id = str(meta, 'id', 64);
      const url = str(meta, 'url', 512);
      if (!/^wss?:\/\//.test(url)) throw new DfsError('EINVAL', 'node url must be ws:// or wss://');
      const old = m.nodes.nodes.get(id);
      if (old?.peer && old.peer !== peer && old.peer.isOpen) old.peer.close(1000, 'replaced by a new registration');
      m.nodes.upsert(
        {
          id,
          url,
          ...spaceOf(meta),
          peer: peer as Peer<unknown>,
        },
        Date.now(),
      );
      peer.context.nodeId = id;
      m.replication.nodeRegistered(id);
      peer.ws.on('close', () => {
        // a closed link is as good as a missed heartbeat
        const n = m.nodes.nodes.get(id);
        if (n && n.peer === peer) n.peer = undefined;
      });
      return { meta: { capKey: m.capabilities.capKey.toString('base64'), heartbeatMs: m.config.heartbeatMs } };
    },

    /** The node found a copy of its own bad (checksum) and has dropped it. */
    'node.corrupt': async ({ meta }, peer) => {
      const id = peer.context.nodeId;
      if (!id) throw new DfsError('EACCES', 'register first');
      for (const block of arr(meta, 'ids', 10_000)) {
        if (typeof block === 'string') await m.replication.dropCorrupt(block, id, true);
      }
    },

    'node.heartbeat': ({ meta }, peer) => {
      const id = peer.context.nodeId;
      if (!id) throw new DfsError('EACCES', 'register first');
      m.nodes.heartbeat(id, spaceOf(meta), Date.now());
    },
  };
}
