// A file's blocks, by inode after an open: the block ids a writer is handed (allocations.ts),
// the nodes that replace one that failed, the commit that swaps new blocks in, and a reader's
// report of a bad copy. Every call shows the open ticket for the inode (resolve.ts byIno).
import { DEFAULTS } from '../defaults.js';
import { bytesOnNode, overlayFault, PAGE, slotReach } from '../protocol/block-format.js';
import { REASON } from '../protocol/reasons.js';
import { DfsError } from '../rpc/errors.js';
import { arr, bool, int, obj, optInt, optStr, str } from '../rpc/params.js';
import type { Handlers } from '../rpc/peer.js';
import { minCopies, type ConnContext, type MasterContext, type MasterHandlers } from './context.js';
import { fileObjects, headOf, MAX_OVERLAYS } from './block-overlays.js';
import { attrOf } from './namespace.js';
import type { NamespaceOps } from './namespace-ops.js';
import { allowed, isSuperuser, R_OK, W_OK, withoutSetIds } from './permissions.js';
import type { BlockPlacement, MutationRecord } from './records.js';
import { once } from './request-once.js';
import { deny, type Paths } from './resolve.js';

export function blockHandlers(m: MasterContext, paths: Paths, ops: NamespaceOps): MasterHandlers {
  const handlers: MasterHandlers = {
    'fs.blocks': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      if (n.type !== 'file') throw new DfsError('EISDIR', 'not a file');
      if (!allowed(c, n, R_OK) && !paths.mayWrite(c, n, meta)) deny('read the file');
      // a refresh keeps the kind of ticket it came with
      return { meta: ops.openInfo(c, n, 0, m.capabilities.checkTicket(c, n.ino, meta.ticket)) };
    },

    'fs.allocate': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      if (n.type !== 'file') throw new DfsError('EISDIR', 'not a file');
      if (!paths.mayWrite(c, n, meta)) deny('write the file');
      const exclude = meta.exclude === undefined ? [] : arr(meta, 'exclude', 64).map(String);
      const replicas = optInt(meta, 'replicas', 1, 16) ?? n.replicas;
      return { meta: { blocks: m.allocations.allocate(n.ino, int(meta, 'count', 1, 1024), replicas, exclude) } };
    },

    // block ids a writer was given and did not use (a file opened for writing, then closed),
    // or (`stored`) used for a block whose write failed: copies that landed are garbage now
    'fs.unallocate': async ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      if (!paths.mayWrite(c, n, meta)) deny('write the file');
      const garbage: MutationRecord[] = [];
      for (const id of arr(meta, 'ids', 1024)) {
        const a = typeof id === 'string' ? m.allocations.release(id, n.ino) : undefined;
        if (!a) continue;
        if (bool(meta, 'stored')) garbage.push({ op: 'garbage', id: id as string, nodes: [...a.nodes] });
      }
      if (garbage.length) await m.mutate(garbage);
    },

    'fs.replace': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      if (!paths.mayWrite(c, n, meta)) deny('write the file');
      const id = str(meta, 'id', 64);
      const a = m.allocations.of(id, n.ino);
      const exclude = arr(meta, 'exclude', 64).map(String);
      const nodes = m.nodes.choose(int(meta, 'count', 1, 16), exclude, bytesOnNode(m.state.blockSize)).map((x) => ({ id: x.id, url: x.url }));
      for (const x of nodes) a.nodes.add(x.id);
      m.nodes.reserve(
        nodes.map((x) => x.id),
        bytesOnNode(m.state.blockSize),
      );
      return { meta: { nodes } };
    },

    // A reader whose replica failed its check. Only a reader of the file may say so, and a
    // report only marks the copy suspect (replication.ts): a false report, or damage to every
    // copy, must not be able to lose data.
    'block.corrupt': async ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      if (!allowed(c, n, R_OK) && !allowed(c, n, W_OK)) deny('read the file');
      const id = str(meta, 'id', 64);
      if (![...fileObjects(n.blocks ?? [])].some((b) => b.id === id)) throw new DfsError('EINVAL', `block ${id} is not part of this file`);
      await m.replication.dropCorrupt(id, str(meta, 'node', 64));
    },

    // A writer's new blocks and the size. Each block names the one it replaces (`base`, the
    // block it was built on, null for none): a commit whose base is no longer in its slot is
    // refused whole, so a writer never puts back bytes another client cut or replaced. A
    // write commit grows the size to at most what it asks, never shrinks it; a truncate
    // (`truncate: true`) sets it, and the slots past it go.
    'fs.commit': async ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      if (n.type !== 'file') throw new DfsError('EISDIR', 'not a file');
      if (!paths.mayWrite(c, n, meta)) deny('write the file');
      const maxSize = DEFAULTS.maxBlocksPerFile * m.state.blockSize;
      const asked = int(meta, 'size', 0);
      if (asked > maxSize) throw new DfsError('EFBIG', `a file holds at most ${maxSize} bytes`);
      const truncate = bool(meta, 'truncate');
      const placed: (BlockPlacement & { base?: string | null })[] = arr(meta, 'blocks', 65536).map((v, i) => {
        const b = obj(v, `blocks[${i}]`);
        const id = str(b, 'id', 64);
        m.allocations.of(id, n.ino); // EINVAL (stale-allocation) unless handed to this file
        const nodes = arr(b, 'nodes', 16).map(String);
        if (nodes.length < minCopies(m.config, n.replicas))
          throw new DfsError('EINVAL', `block ${id} names ${nodes.length} node(s); a write needs ${minCopies(m.config, n.replicas)}`);
        for (const nid of nodes) if (!m.nodes.nodes.has(nid)) throw new DfsError('EINVAL', `unknown node ${nid}`);
        const base = b.base === null ? null : optStr(b, 'base', 64);
        const placement = { index: int(b, 'index', 0, DEFAULTS.maxBlocksPerFile - 1), id, size: int(b, 'size', 0, m.state.blockSize), nodes, base };
        if (b.pages === undefined) return placement;
        const pages = arr(b, 'pages', m.state.blockSize / PAGE).map((x) => (typeof x === 'number' ? x : -1));
        const fault = overlayFault({ size: placement.size, pages }, m.state.blockSize);
        if (fault) throw new DfsError('EINVAL', `block ${placement.index}: ${fault}`);
        return { ...placement, pages };
      });
      for (const p of placed) {
        const slot = n.blocks![p.index];
        if (p.base !== undefined && headOf(slot) !== p.base) {
          throw new DfsError('EAGAIN', `block ${p.index} was changed by another writer`, { reason: REASON.staleBase });
        }
        if (!p.pages) continue;
        // an overlay lies over a stored block, in a commit that does not cut the file
        if (!slot || p.base === undefined || truncate) throw new DfsError('EINVAL', `block ${p.index}: an overlay needs the block it lies over`);
        if ((slot.over?.length ?? 0) >= MAX_OVERLAYS) {
          throw new DfsError('EAGAIN', `block ${p.index} carries ${MAX_OVERLAYS} overlays: fold them`, { reason: REASON.staleBase });
        }
      }
      if (new Set(placed.map((p) => p.index)).size !== placed.length) throw new DfsError('EINVAL', 'a commit places each slot once');
      if (truncate && asked % m.state.blockSize !== 0) {
        // the block that will end the file must end at the new size: a writer that did not
        // know the stored block reached further (it has an old block list) gets to send it cut
        const idx = Math.floor(asked / m.state.blockSize);
        const ending = placed.find((p) => p.index === idx) ?? n.blocks![idx];
        if (ending && slotReach(ending) > asked % m.state.blockSize) {
          throw new DfsError('EAGAIN', `block ${idx} reaches past the new size`, { reason: REASON.staleBase });
        }
      }
      for (const p of placed) m.allocations.release(p.id);
      const size = truncate ? asked : Math.max(asked, n.size);
      const blocks = placed.map(({ index, id, size: bytes, nodes, pages }) => ({ index, id, size: bytes, nodes, ...(pages ? { pages } : {}) }));
      const records: MutationRecord[] = [{ op: 'commit', ino: n.ino, size, blocks, time: optInt(meta, 'mtime') ?? Date.now() }];
      // a write by anyone but a superuser (CAP_FSETID on Linux) drops the set-id bits
      const mode = isSuperuser(c) ? n.mode : withoutSetIds(c, n);
      if (mode !== n.mode) records.push({ op: 'setattr', ino: n.ino, mode, time: Date.now() });
      await m.mutate(records);
      // the writer could not reach enough nodes: repair makes up the difference
      if (placed.some((p) => p.nodes.length < n.replicas)) m.replication.requestScan();
      // the slots as they are now, with capabilities, so the writer need not ask for the list again
      const slots = [...new Set(placed.map((p) => p.index))].filter((i) => i < n.blocks!.length).map((i) => ops.remoteSlot(n.blocks![i], i));
      return { meta: { attr: attrOf(n), blocks: slots } };
    },
  };
  // a retry of a commit that landed (its reply lost): the file as it is now
  return once(m, handlers as Handlers<ConnContext>, {
    'fs.commit': ({ meta }, _peer, c) => ({ meta: { attr: attrOf(paths.byIno(c, meta)) } }),
  });
}
