// Namespace operations. Each handler: who is calling, resolve paths, check POSIX
// permissions, then turn the change into records for `Master.mutate`. The changes that would
// answer differently if done twice are made exactly once per request id (request-once.ts).
import { minCopies } from './context.js';
import { bytesOnNode } from '../protocol/block-format.js';
import { REASON } from '../protocol/reasons.js';
import path from 'node:path';
import type { Attr } from '../protocol/types.js';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { arr, bool, int, obj, optInt, optStr, optTime, str } from '../rpc/params.js';
import { PagedListings } from '../rpc/paging.js';
import type { Handlers, Reply } from '../rpc/peer.js';
import type { ConnContext, MasterContext, MasterHandlers } from './context.js';
import { attrOf, ROOT_INO, type Inode } from './namespace.js';
import { splitPath, checkName } from './paths.js';
import { allowed, isSuperuser, R_OK, stickyBlocks, W_OK, X_OK, type Caller } from './permissions.js';
import type { BlockPlacement, MutationRecord } from './records.js';
import { fetchBlockLists, fsck } from './fsck.js';
import { once } from './request-once.js';
import { refuseNewName, removal, renameRecord, trashHandlers, trashLookup } from './trash-service.js';
import { usageHandlers } from './usage-service.js';

export interface Resolved {
  node: Inode;
  parent: Inode;
  name: string;
}

/** Path resolution as the namespace handlers do it, for the services beside them. */
export interface PathResolver {
  resolve(c: Caller, p: string, follow: boolean): Resolved;
  resolveParent(c: Caller, p: string, needWrite?: boolean): ParentResolved;
}

export interface ParentResolved {
  dir: Inode;
  name: string;
  existing?: Inode;
}

export function fsHandlers(m: MasterContext): MasterHandlers {
  const ns = m.state.ns;
  const listings = new PagedListings<[string, number]>(DEFAULTS.listingsKept, DEFAULTS.listingTtlMs, DEFAULTS.listingItemsKept);

  const deny = (what: string): never => {
    throw new DfsError('EACCES', `permission denied: ${what}`);
  };

  /** Walks a path, following symlinks in the middle (and at the end when `follow`). */
  function resolve(c: Caller, p: string, follow: boolean, depth = 0): Resolved {
    if (depth > DEFAULTS.maxSymlinkDepth) throw new DfsError('ELOOP', 'too many levels of symbolic links');
    const parts = splitPath(p);
    let node = ns.get(ROOT_INO)!;
    let parent = node;
    let name = '/';
    for (let i = 0; i < parts.length; i++) {
      if (node.type === 'symlink') {
        const sofar = '/' + parts.slice(0, i).join('/');
        node = resolve(c, path.posix.resolve(path.posix.dirname(sofar), node.target!), true, depth + 1).node;
      }
      if (node.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: /${parts.slice(0, i).join('/')}`);
      if (!allowed(c, node, X_OK)) deny(`search /${parts.slice(0, i).join('/')}`);
      const next = node.entries!.get(parts[i]) ?? trashLookup(m, node, parts[i]);
      if (next === undefined) throw new DfsError('ENOENT', `no such file or directory: ${p}`);
      parent = node;
      name = parts[i];
      node = ns.get(next)!;
    }
    if (follow && node.type === 'symlink') {
      const base = '/' + parts.slice(0, -1).join('/');
      return resolve(c, path.posix.resolve(base, node.target!), true, depth + 1);
    }
    return { node, parent, name };
  }

  /** The directory a new name goes in, with write and search permission checked. */
  function resolveParent(c: Caller, p: string, needWrite = true): ParentResolved {
    const parts = splitPath(p);
    if (parts.length === 0) throw new DfsError('EEXIST', 'the root exists');
    const name = parts[parts.length - 1];
    checkName(name);
    const dir = resolve(c, '/' + parts.slice(0, -1).join('/'), true).node;
    if (dir.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${path.posix.dirname(p)}`);
    if (needWrite && !allowed(c, dir, W_OK | X_OK)) deny(`write in ${path.posix.dirname(p)}`);
    if (!needWrite && !allowed(c, dir, X_OK)) deny(`search ${path.posix.dirname(p)}`);
    const ino = dir.entries!.get(name);
    return { dir, name, existing: ino === undefined ? undefined : ns.get(ino) };
  }

  /** A file named by inode number, which the caller must have opened by path (its ticket). */
  function byIno(c: Caller, meta: Meta): Inode {
    const ino = int(meta, 'ino', 1);
    m.capabilities.checkTicket(c, ino, meta.ticket);
    const n = ns.get(ino);
    if (!n) throw new DfsError('ESTALE', 'the file is gone');
    return n;
  }

  /**
   * What a client needs to read and write a file: its key, block list and capabilities,
   * and the open ticket its later by-inode calls must show.
   */
  function openInfo(c: Caller, n: Inode): Meta {
    const key = m.keys.unwrap(n.key!, n.ino).toString('base64');
    const blocks = n.blocks!.map((b, index) => {
      if (!b) return null;
      const info = m.state.blocks.get(b.id);
      // copies a client found bad are offered last: a read tries them only when nothing else is left
      const suspect = (id: string): number => (info?.suspect?.has(id) ? 1 : 0);
      const nodes = [...(info?.nodes ?? [])]
        .filter((id) => m.nodes.isAlive(id))
        .sort((x, y) => suspect(x) - suspect(y))
        .map((id) => ({ id, url: m.nodes.url(id)! }));
      return { index, id: b.id, size: b.size, nodes, cap: m.capabilities.sign('r', b.id) };
    });
    return { attr: attrOf(n), key, blockSize: m.state.blockSize, blocks, ticket: m.capabilities.ticket(c, n.ino) };
  }

  /**
   * Block ids handed out with an open for writing (`allocate: n`), so a small file's first
   * upload need not wait a round trip for one. Best effort: a cluster with no room just
   * answers without, and the upload asks again and reports why.
   */
  function spareBlocks(meta: Meta, n: Inode): Meta {
    const count = optInt(meta, 'allocate', 0, 4) ?? 0;
    if (count === 0) return {};
    try {
      return { spare: m.allocations.allocate(n.ino, count, n.replicas) };
    } catch {
      return {};
    }
  }

  const newGid = (c: Caller, dir: Inode): number => ((dir.mode & 0o2000) !== 0 ? dir.gid : c.user.gid);

  async function createNode(c: Caller, pr: ParentResolved, type: Inode['type'], mode: number, target?: string): Promise<Inode> {
    refuseNewName(m, pr.dir, pr.name);
    const ino = ns.nextIno;
    await m.mutate([
      {
        op: 'mknod', ino, parent: pr.dir.ino, name: pr.name, type,
        mode: (type === 'dir' && (pr.dir.mode & 0o2000) !== 0 ? mode | 0o2000 : mode) & 0o7777,
        uid: c.uid, gid: newGid(c, pr.dir), time: Date.now(), replicas: pr.dir.replicas,
        target, key: type === 'file' ? m.keys.newWrappedKey(ino) : undefined,
      },
    ]);
    return ns.get(ino)!;
  }

  async function truncateRecord(n: Inode): Promise<void> {
    await m.mutate([{ op: 'commit', ino: n.ino, size: 0, blocks: [], time: Date.now() }]);
  }

  function checkOpen(c: Caller, n: Inode, read: boolean, write: boolean, p: string): void {
    if (n.type === 'dir' && write) throw new DfsError('EISDIR', `is a directory: ${p}`);
    if (read && !allowed(c, n, R_OK)) deny(`read ${p}`);
    if (write && !allowed(c, n, W_OK)) deny(`write ${p}`);
  }

  function ownerOrRoot(c: Caller, n: Inode, what: string): void {
    if (!isSuperuser(c) && c.uid !== n.uid) throw new DfsError('EPERM', `only the owner may ${what}`);
  }

  function isAncestor(dir: Inode, of: Inode): boolean {
    let cur = of;
    for (;;) {
      if (cur.ino === dir.ino) return true;
      if (cur.ino === ROOT_INO) return false;
      cur = ns.get(cur.parent!)!;
    }
  }

  const handlers: Handlers<ConnContext> = {
    ...trashHandlers(m, { resolve, resolveParent }),
    ...usageHandlers(m, { resolve, resolveParent }),

    'fs.getattr': ({ meta }) => {
      const c = m.caller(meta);
      const { node } = resolve(c, str(meta, 'path'), bool(meta, 'follow'));
      return { meta: { attr: attrOf(node) } };
    },

    'fs.readdir': ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      const { node } = resolve(c, p, true);
      if (node.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${p}`);
      if (!allowed(c, node, R_OK)) deny(`list ${p}`);
      // a page at a time (src/rpc/paging.ts): the client follows `cursor` until there is none
      // no limit: the whole directory in one reply, as before pages
      const limit = optInt(meta, 'limit', 1, DEFAULTS.readdirPageMax) ?? Number.MAX_SAFE_INTEGER;
      const cursor = optStr(meta, 'cursor', 64);
      const dir = node.entries!;
      const entries: { name: string; attr: Attr }[] = [];
      if (cursor === undefined && dir.size <= limit) {
        // one reply, the usual case: straight from the directory, no copy to page from
        for (const [name, ino] of dir) entries.push({ name, attr: attrOf(ns.get(ino)!) });
        return { meta: { attr: attrOf(node), entries } };
      }
      const owner = `${c.session ?? ''}:${node.ino}`;
      if (cursor !== undefined && bool(meta, 'end')) {
        // a client that has read enough: the copy of the names goes now, not at its TTL
        listings.end(owner, cursor);
        return { meta: { attr: attrOf(node), entries } };
      }
      const { page, cursor: more } = cursor === undefined ? listings.begin(owner, [...dir], limit, Date.now()) : listings.next(owner, cursor, limit, Date.now());
      for (const [name, ino] of page) {
        // gone or renamed since the listing began: left out
        if (dir.get(name) === ino) entries.push({ name, attr: attrOf(ns.get(ino)!) });
      }
      return { meta: { attr: attrOf(node), entries, cursor: more } };
    },

    'fs.mkdir': async ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      const pr = resolveParent(c, p);
      if (pr.existing) throw new DfsError('EEXIST', `file exists: ${p}`);
      const node = await createNode(c, pr, 'dir', int(meta, 'mode', 0, 0o7777));
      return { meta: { attr: attrOf(node) } };
    },

    'fs.create': async ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      const pr = resolveParent(c, p, false);
      if (pr.existing) {
        if (bool(meta, 'exclusive')) throw new DfsError('EEXIST', `file exists: ${p}`);
        let n = pr.existing;
        if (n.type === 'symlink') n = resolve(c, p, true).node;
        checkOpen(c, n, false, true, p);
        if (n.type !== 'file') throw new DfsError('EISDIR', `is a directory: ${p}`);
        if (bool(meta, 'truncate') && n.size > 0) await truncateRecord(n);
        return { meta: { ...openInfo(c, n), ...spareBlocks(meta, n) } };
      }
      if (!allowed(c, pr.dir, W_OK | X_OK)) deny(`write in ${path.posix.dirname(p)}`);
      const node = await createNode(c, pr, 'file', int(meta, 'mode', 0, 0o7777));
      return { meta: { ...openInfo(c, node), ...spareBlocks(meta, node) } };
    },

    'fs.open': async ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      const { node } = resolve(c, p, true);
      const write = bool(meta, 'write');
      // as Linux: O_TRUNC empties the file even with O_RDONLY, and takes write permission
      const truncate = bool(meta, 'truncate');
      checkOpen(c, node, bool(meta, 'read'), write || truncate, p);
      if (node.type !== 'file') throw new DfsError('EISDIR', `is a directory: ${p}`);
      if (truncate && node.size > 0) await truncateRecord(node);
      return { meta: { ...openInfo(c, node), ...(write ? spareBlocks(meta, node) : {}) } };
    },

    'fs.blocks': ({ meta }) => {
      const c = m.caller(meta);
      const n = byIno(c, meta);
      if (n.type !== 'file') throw new DfsError('EISDIR', 'not a file');
      if (!allowed(c, n, R_OK) && !allowed(c, n, W_OK)) deny('read the file');
      return { meta: openInfo(c, n) };
    },

    'fs.allocate': ({ meta }) => {
      const c = m.caller(meta);
      const n = byIno(c, meta);
      if (n.type !== 'file') throw new DfsError('EISDIR', 'not a file');
      if (!allowed(c, n, W_OK)) deny('write the file');
      const exclude = meta.exclude === undefined ? [] : arr(meta, 'exclude', 64).map(String);
      const replicas = optInt(meta, 'replicas', 1, 16) ?? n.replicas;
      return { meta: { blocks: m.allocations.allocate(n.ino, int(meta, 'count', 1, 1024), replicas, exclude) } };
    },

    // block ids a writer was given and did not use (a file opened for writing, then closed),
    // or (`stored`) used for a block whose write failed: copies that landed are garbage now
    'fs.unallocate': async ({ meta }) => {
      const c = m.caller(meta);
      const n = byIno(c, meta);
      if (!allowed(c, n, W_OK)) deny('write the file');
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
      const n = byIno(c, meta);
      if (!allowed(c, n, W_OK)) deny('write the file');
      const id = str(meta, 'id', 64);
      const a = m.allocations.of(id, n.ino);
      const exclude = arr(meta, 'exclude', 64).map(String);
      const nodes = m.nodes.choose(int(meta, 'count', 1, 16), exclude, bytesOnNode(m.state.blockSize)).map((x) => ({ id: x.id, url: x.url }));
      for (const x of nodes) a.nodes.add(x.id);
      m.nodes.reserve(nodes.map((x) => x.id), bytesOnNode(m.state.blockSize));
      return { meta: { nodes } };
    },

    // A reader whose replica failed its check. Only a reader of the file may say so, and a
    // report only marks the copy suspect (replication.ts): a false report, or damage to every
    // copy, must not be able to lose data.
    'block.corrupt': async ({ meta }) => {
      const c = m.caller(meta);
      const n = byIno(c, meta);
      if (!allowed(c, n, R_OK) && !allowed(c, n, W_OK)) deny('read the file');
      const id = str(meta, 'id', 64);
      if (!n.blocks?.some((b) => b?.id === id)) throw new DfsError('EINVAL', `block ${id} is not part of this file`);
      await m.replication.dropCorrupt(id, str(meta, 'node', 64));
    },

    // A writer's new blocks and the size. Each block names the one it replaces (`base`, the
    // block it was built on, null for none): a commit whose base is no longer in its slot is
    // refused whole, so a writer never puts back bytes another client cut or replaced. A
    // write commit grows the size to at most what it asks, never shrinks it; a truncate
    // (`truncate: true`) sets it, and the slots past it go.
    'fs.commit': async ({ meta }) => {
      const c = m.caller(meta);
      const n = byIno(c, meta);
      if (n.type !== 'file') throw new DfsError('EISDIR', 'not a file');
      if (!allowed(c, n, W_OK)) deny('write the file');
      const maxSize = DEFAULTS.maxBlocksPerFile * m.state.blockSize;
      const asked = int(meta, 'size', 0);
      if (asked > maxSize) throw new DfsError('EFBIG', `a file holds at most ${maxSize} bytes`);
      const truncate = bool(meta, 'truncate');
      const placed: (BlockPlacement & { base?: string | null })[] = arr(meta, 'blocks', 65536).map((v, i) => {
        const b = obj(v, `blocks[${i}]`);
        const id = str(b, 'id', 64);
        const a = m.allocations.of(id, n.ino);
        const nodes = arr(b, 'nodes', 16).map(String);
        if (nodes.length < minCopies(m.config, n.replicas)) throw new DfsError('EINVAL', `block ${id} names ${nodes.length} node(s); a write needs ${minCopies(m.config, n.replicas)}`);
        for (const nid of nodes) if (!m.nodes.nodes.has(nid)) throw new DfsError('EINVAL', `unknown node ${nid}`);
        const base = b.base === null ? null : optStr(b, 'base', 64);
        return { index: int(b, 'index', 0, DEFAULTS.maxBlocksPerFile - 1), id, size: int(b, 'size', 0, m.state.blockSize), nodes, base };
      });
      for (const p of placed) {
        if (p.base !== undefined && (n.blocks![p.index]?.id ?? null) !== p.base) {
          throw new DfsError('EAGAIN', `block ${p.index} was changed by another writer`, { reason: REASON.staleBase });
        }
      }
      if (truncate && asked % m.state.blockSize !== 0) {
        // the block that will end the file must end at the new size: a writer that did not
        // know the stored block reached further (it has an old block list) gets to send it cut
        const idx = Math.floor(asked / m.state.blockSize);
        const ending = placed.find((p) => p.index === idx) ?? n.blocks![idx];
        if (ending && ending.size > asked % m.state.blockSize) {
          throw new DfsError('EAGAIN', `block ${idx} reaches past the new size`, { reason: REASON.staleBase });
        }
      }
      for (const p of placed) m.allocations.release(p.id);
      const size = truncate ? asked : Math.max(asked, n.size);
      const blocks = placed.map(({ index, id, size: bytes, nodes }) => ({ index, id, size: bytes, nodes }));
      await m.mutate([{ op: 'commit', ino: n.ino, size, blocks, time: optInt(meta, 'mtime') ?? Date.now() }]);
      // the writer could not reach enough nodes: repair makes up the difference
      if (placed.some((p) => p.nodes.length < n.replicas)) m.replication.requestScan();
      return { meta: { attr: attrOf(n) } };
    },

    'fs.unlink': async ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      const pr = resolveParent(c, p);
      if (!pr.existing) throw new DfsError('ENOENT', `no such file or directory: ${p}`);
      if (pr.existing.type === 'dir') throw new DfsError('EISDIR', `is a directory: ${p}`);
      if (stickyBlocks(c, pr.dir, pr.existing)) throw new DfsError('EACCES', `sticky directory: only the owner may remove ${p}`);
      await m.mutate([removal(m, c, pr, p)]);
    },

    'fs.rmdir': async ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      if (splitPath(p).length === 0) throw new DfsError('EBUSY', 'cannot remove the root');
      const pr = resolveParent(c, p);
      if (!pr.existing) throw new DfsError('ENOENT', `no such file or directory: ${p}`);
      if (pr.existing.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${p}`);
      if (pr.existing.entries!.size > 0) throw new DfsError('ENOTEMPTY', `directory not empty: ${p}`);
      if (stickyBlocks(c, pr.dir, pr.existing)) throw new DfsError('EACCES', `sticky directory: only the owner may remove ${p}`);
      await m.mutate([removal(m, c, pr, p)]);
    },

    'fs.rename': async ({ meta }) => {
      const c = m.caller(meta);
      const from = str(meta, 'from');
      const to = str(meta, 'to');
      const src = resolveParent(c, from);
      if (!src.existing) throw new DfsError('ENOENT', `no such file or directory: ${from}`);
      const dst = resolveParent(c, to);
      const moving = src.existing;
      if (stickyBlocks(c, src.dir, moving)) throw new DfsError('EACCES', `sticky directory: only the owner may move ${from}`);
      if (dst.existing) {
        if (dst.existing.ino === moving.ino) return;
        if (moving.type === 'dir' && dst.existing.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${to}`);
        if (moving.type !== 'dir' && dst.existing.type === 'dir') throw new DfsError('EISDIR', `is a directory: ${to}`);
        if (dst.existing.type === 'dir' && dst.existing.entries!.size > 0) throw new DfsError('ENOTEMPTY', `directory not empty: ${to}`);
        if (stickyBlocks(c, dst.dir, dst.existing)) throw new DfsError('EACCES', `sticky directory: only the owner may replace ${to}`);
      }
      if (moving.type === 'dir' && isAncestor(moving, dst.dir)) {
        throw new DfsError('EINVAL', `cannot move ${from} into itself`);
      }
      // a directory moved to another parent has its '..' rewritten: that takes write on it
      if (moving.type === 'dir' && src.dir.ino !== dst.dir.ino && !allowed(c, moving, W_OK)) deny(`move the directory ${from}`);
      await m.mutate([renameRecord(m, src, dst, Date.now())]);
    },

    'fs.chmod': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = resolve(c, str(meta, 'path'), true);
      ownerOrRoot(c, node, 'change its mode');
      let mode = int(meta, 'mode', 0, 0o7777);
      // like Linux: a non-member may not keep the setgid bit
      if (!isSuperuser(c) && !c.gids.has(node.gid)) mode &= ~0o2000;
      await m.mutate([{ op: 'setattr', ino: node.ino, mode, time: Date.now() }]);
      return { meta: { attr: attrOf(node) } };
    },

    'fs.chown': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = resolve(c, str(meta, 'path'), bool(meta, 'follow'));
      const uid = optInt(meta, 'uid', -1, 2 ** 32);
      const gid = optInt(meta, 'gid', -1, 2 ** 32);
      const newUid = uid === undefined || uid === -1 ? undefined : uid;
      const newGid = gid === undefined || gid === -1 ? undefined : gid;
      if (!isSuperuser(c)) {
        if (newUid !== undefined && newUid !== node.uid) throw new DfsError('EPERM', 'only an admin may give a file away');
        if (newGid !== undefined && (c.uid !== node.uid || !c.gids.has(newGid))) {
          throw new DfsError('EPERM', 'only the owner may change the group, to one of its own groups');
        }
      }
      // a change of owner drops setuid/setgid, as on Linux
      const mode = newUid !== undefined || newGid !== undefined ? node.mode & ~0o6000 : undefined;
      await m.mutate([{ op: 'setattr', ino: node.ino, uid: newUid, gid: newGid, mode: node.type === 'dir' ? undefined : mode, time: Date.now() }]);
      return { meta: { attr: attrOf(node) } };
    },

    'fs.utimens': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = resolve(c, str(meta, 'path'), bool(meta, 'follow'));
      const atime = optTime(meta, 'atime');
      const mtime = optTime(meta, 'mtime');
      if (atime === undefined && mtime === undefined) return { meta: { attr: attrOf(node) } };
      // as utimensat(2): both times to now (touch) needs write access; any other change, and
      // every explicit time (cp -p, tar x), only the owner may make
      const owner = isSuperuser(c) || c.uid === node.uid;
      if (atime === 'now' && mtime === 'now') {
        if (!owner && !allowed(c, node, W_OK)) deny('change the times');
      } else if (!owner) {
        throw new DfsError('EPERM', 'only the owner may set file times other than now');
      }
      const time = Date.now();
      const at = (t: number | 'now' | undefined): number | undefined => (t === 'now' ? time : t);
      await m.mutate([{ op: 'setattr', ino: node.ino, atime: at(atime), mtime: at(mtime), time }]);
      return { meta: { attr: attrOf(node) } };
    },

    'fs.symlink': async ({ meta }) => {
      const c = m.caller(meta);
      const target = str(meta, 'target', DEFAULTS.maxPathBytes);
      if (target.length === 0 || target.includes('\0')) throw new DfsError('EINVAL', 'bad symlink target');
      const p = str(meta, 'path');
      const pr = resolveParent(c, p);
      if (pr.existing) throw new DfsError('EEXIST', `file exists: ${p}`);
      const node = await createNode(c, pr, 'symlink', 0o777, target);
      return { meta: { attr: attrOf(node) } };
    },

    'fs.readlink': ({ meta }) => {
      const c = m.caller(meta);
      const p = str(meta, 'path');
      const { node } = resolve(c, p, false);
      if (node.type !== 'symlink') throw new DfsError('EINVAL', `not a symbolic link: ${p}`);
      return { meta: { target: node.target } };
    },

    'fs.link': async ({ meta }) => {
      const c = m.caller(meta);
      const from = str(meta, 'from');
      const to = str(meta, 'to');
      const { node } = resolve(c, from, false);
      if (node.type === 'dir') throw new DfsError('EPERM', `hard link to a directory: ${from}`);
      // as Linux's protected_hardlinks: no pinning someone else's file you cannot read and write
      if (!isSuperuser(c) && c.uid !== node.uid && !allowed(c, node, R_OK | W_OK)) {
        throw new DfsError('EPERM', `only the owner may link ${from}`);
      }
      const pr = resolveParent(c, to);
      if (pr.existing) throw new DfsError('EEXIST', `file exists: ${to}`);
      refuseNewName(m, pr.dir, pr.name);
      await m.mutate([{ op: 'link', ino: node.ino, parent: pr.dir.ino, name: pr.name, time: Date.now() }]);
      return { meta: { attr: attrOf(node) } };
    },

    'fs.access': ({ meta }) => {
      const c = m.caller(meta);
      const { node } = resolve(c, str(meta, 'path'), true);
      const want = int(meta, 'mode', 0, 7);
      if (want && !allowed(c, node, want)) deny(`access ${meta.path as string}`);
    },

    'fs.setreplicas': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = resolve(c, str(meta, 'path'), true);
      ownerOrRoot(c, node, 'change its replication');
      await m.mutate([{ op: 'setattr', ino: node.ino, replicas: int(meta, 'replicas', 1, 16), time: Date.now() }]);
      // a file's existing blocks move to the new factor; a directory's applies to new entries
      if (node.type === 'file') m.replication.requestScan();
      return { meta: { attr: attrOf(node) } };
    },

    'fs.statfs': ({ meta }) => {
      m.caller(meta);
      // a file system that several nodes share is counted once (nodes.ts)
      const { capacity, used, free } = m.nodes.totals();
      return { meta: { blockSize: m.state.blockSize, capacity, used, free, files: ns.inodes.size } };
    },

    'cluster.status': ({ meta }) => {
      m.caller(meta);
      const nodes = [...m.nodes.nodes.values()].map((n) => ({
        id: n.id, url: n.url, alive: n.alive, capacity: n.capacity, used: n.used, blocks: n.blockCount,
        lastSeen: n.lastSeen, volume: n.volume ?? null,
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
          nodes, files, dirs, blocks: m.state.blocks.blocks.size, blockSize: m.state.blockSize, garbage: m.state.blocks.garbage.size,
          underReplicated: health.underReplicated, missing: health.missing, corrupt: health.corrupt,
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
      const p = str(meta, 'path');
      const { node } = resolve(c, p, true);
      const { lists, failed } = await fetchBlockLists(m);
      return { meta: fsck(m, node, p, lists, failed) as unknown as Meta };
    },
  };

  // A retry of a change that was done already (its reply lost) is answered as done, from the
  // state as it is now, and not done again (request-once.ts).
  const attrAt = (c: Caller, p: string): Meta => ({ attr: attrOf(resolve(c, p, false).node) });
  const done = (): Reply => ({});
  return once(m, handlers, {
    'fs.mkdir': ({ meta }, _peer, c) => ({ meta: attrAt(c, str(meta, 'path')) }),
    'fs.symlink': ({ meta }, _peer, c) => ({ meta: attrAt(c, str(meta, 'path')) }),
    'fs.link': ({ meta }, _peer, c) => ({ meta: attrAt(c, str(meta, 'to')) }),
    // the file was made (or emptied): open it as it is; gone since, it is not made again
    'fs.create': (req, peer, c) => {
      resolve(c, str(req.meta, 'path'), false);
      return handlers['fs.create']({ ...req, meta: { ...req.meta, exclusive: false, truncate: false } }, peer);
    },
    'fs.open': (req, peer) => handlers['fs.open']({ ...req, meta: { ...req.meta, truncate: false } }, peer),
    'fs.unlink': done,
    'fs.rmdir': done,
    'fs.rename': done,
    'fs.commit': ({ meta }, _peer, c) => ({ meta: { attr: attrOf(byIno(c, meta)) } }),
  });
}
