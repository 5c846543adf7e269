// A storage node's real list of block ids, fetched in pages (block.list with a cursor, see
// src/rpc/paging.ts): a node holding a million small files' blocks answers ~35 MB of ids,
// more than a message may carry. Reconciliation and fsck compare it with the block map.
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Peer } from '../rpc/peer.js';

export async function listNodeBlocks<C>(peer: Peer<C>, pageSize: number = DEFAULTS.blockListPage): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const reply = await peer.call('block.list', cursor === undefined ? { limit: pageSize } : { limit: pageSize, cursor }, undefined, 120_000);
    const raw = reply.meta.ids;
    if (!Array.isArray(raw)) throw new DfsError('EPROTO', 'block.list reply has no ids');
    for (const id of raw) if (typeof id === 'string') ids.add(id);
    cursor = typeof reply.meta.cursor === 'string' ? reply.meta.cursor : undefined;
    // a node that answers empty pages and a cursor for ever would keep us here for ever
    if (cursor !== undefined && raw.length === 0) throw new DfsError('EPROTO', 'block.list gave an empty page and a cursor');
  } while (cursor !== undefined);
  return ids;
}
