// Taking storage nodes out (admin): `node.drain` empties a node before it goes, as HDFS
// decommissions a datanode and MooseFS marks a disk for removal: it gets no new blocks and
// its copies stop counting, so repair makes them elsewhere (replication.ts), reading from
// it meanwhile; `cluster.nodes` says how many of its blocks still want copying. `node.remove`
// forgets a node that is down, and refuses while that would forget a block's last copy.
// Which nodes drain is master state, changed by a record ('drain') like every other.
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import { bool, str } from '../rpc/params.js';
import type { MasterContext, MasterHandlers } from './context.js';
import type { NodeEntry } from '../protocol/types.js';
import type { Caller } from './permissions.js';
import { fileObjects } from './block-overlays.js';

function adminOnly(c: Caller, what: string): void {
  if (!c.user.admin) throw new DfsError('EPERM', `only an admin may ${what}`);
}

export function nodeAdminHandlers(m: MasterContext): MasterHandlers {
  const replication = (): MasterContext['replication'] => m.replication;

  /** Every node the registry or the block map knows, with what it holds. */
  function entries(): NodeEntry[] {
    const out = new Map<string, NodeEntry>();
    const entry = (id: string): NodeEntry => {
      let e = out.get(id);
      if (!e) {
        const n = m.nodes.nodes.get(id);
        const draining = m.nodes.draining.has(id);
        e = { id, url: n?.url, alive: n?.alive ?? false, draining, state: n ? (n.alive ? 'up' : 'dead') : 'unregistered', copies: 0, toCopy: 0, onlyCopy: 0 };
        out.set(id, e);
      }
      return e;
    };
    for (const id of m.nodes.nodes.keys()) entry(id);
    for (const id of m.nodes.draining) entry(id);
    for (const b of m.state.blocks.blocks.values()) {
      const holders = replication().holders(b);
      for (const id of b.nodes) {
        const e = entry(id);
        e.copies++;
        if (!holders.some((h) => h !== id)) e.onlyCopy++;
      }
    }
    if (m.nodes.draining.size > 0) {
      // a block's factor is its file's: walk the files that have a block on a draining node
      for (const n of m.state.ns.inodes.values()) {
        if (!n.blocks) continue;
        const want = m.nodes.copiesPossible(n.replicas);
        for (const ref of fileObjects(n.blocks)) {
          const b = m.state.blocks.get(ref.id);
          if (!b) continue;
          const leaving = [...b.nodes].filter((id) => m.nodes.draining.has(id));
          if (leaving.length === 0) continue;
          const staying = replication()
            .holders(b)
            .filter((id) => !m.nodes.draining.has(id)).length;
          if (staying < want) for (const id of leaving) entry(id).toCopy++;
        }
      }
    }
    for (const e of out.values()) if (e.draining) e.state = e.toCopy === 0 ? 'drained' : 'draining';
    return [...out.values()];
  }

  function known(id: string): void {
    if (!m.nodes.nodes.has(id) && !m.nodes.draining.has(id) && ![...m.state.blocks.blocks.values()].some((b) => b.nodes.has(id))) {
      throw new DfsError('ENOENT', `no storage node ${id} (dfs node list names them)`);
    }
  }

  return {
    'cluster.nodes': ({ meta }) => {
      m.caller(meta);
      return { meta: { nodes: entries() } };
    },

    'node.drain': async ({ meta }) => {
      const c = m.caller(meta);
      adminOnly(c, 'drain storage nodes');
      const id = str(meta, 'id', 64);
      known(id);
      const undo = bool(meta, 'undo');
      if (m.state.draining.has(id) === undo) await m.mutate([{ op: 'drain', node: id, on: !undo }]);
      replication().requestScan();
      m.logger.info({ node: id }, undo ? 'node drain cancelled' : 'node draining: its blocks are copied to the other nodes');
      return { meta: { node: entries().find((e) => e.id === id) ?? null } };
    },

    'node.remove': async ({ meta }) => {
      const c = m.caller(meta);
      adminOnly(c, 'remove storage nodes');
      const id = str(meta, 'id', 64);
      known(id);
      const e = entries().find((x) => x.id === id)!;
      if (e.alive) throw new DfsError('EBUSY', `node ${id} is up: stop it first (\`dfs node drain ${id}\` before, so no copy is lost)`);
      if (e.onlyCopy > 0 && !bool(meta, 'force')) {
        throw new DfsError('EBUSY', `${e.onlyCopy} blocks have their only copy on node ${id}: start it again and drain it, or remove it with --force and lose them`);
      }
      const ids = [...m.state.blocks.blocks.values()].filter((b) => b.nodes.has(id)).map((b) => b.id);
      for (let i = 0; i < ids.length; i += DEFAULTS.gcBatch) {
        await m.mutate(ids.slice(i, i + DEFAULTS.gcBatch).map((block) => ({ op: 'locate' as const, id: block, remove: [id] })));
      }
      m.nodes.nodes.delete(id);
      if (m.state.draining.has(id)) await m.mutate([{ op: 'drain', node: id, on: false }]);
      replication().requestScan();
      m.logger.warn({ node: id, copiesForgotten: ids.length, lost: e.onlyCopy }, 'storage node removed');
      return { meta: { forgotten: ids.length, lost: e.onlyCopy } };
    },
  };
}
