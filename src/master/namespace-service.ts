// The namespace by path, as the CLI and the path-based mount use it: each handler resolves
// its paths (resolve.ts) and hands the change to namespace-ops.ts. The changes that would
// answer differently if done twice are made exactly once per request id (request-once.ts).
import { DEFAULTS } from '../defaults.js';
import { TYPE_BITS, type Attr, type FileType } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { bool, int, optInt, optTime, str } from '../rpc/params.js';
import { DirPages } from './dir-pages.js';
import type { Handlers, Reply } from '../rpc/peer.js';
import type { ConnContext, MasterContext, MasterHandlers } from './context.js';
import { attrOf } from './namespace.js';
import type { NamespaceOps } from './namespace-ops.js';
import { pathField, splitPath } from './paths.js';
import { allowed, R_OK, type Caller } from './permissions.js';
import { once } from './request-once.js';
import { deny, type Paths } from './resolve.js';

/** -1 (or absent) leaves an id as it is, as chown(2) takes it. */
function optId(v: number | undefined): number | undefined {
  return v === undefined || v === -1 ? undefined : v;
}

export function namespaceHandlers(m: MasterContext, paths: Paths, ops: NamespaceOps): MasterHandlers {
  const ns = m.state.ns;
  const pages = new DirPages();

  const handlers: MasterHandlers = {
    'fs.getattr': ({ meta }) => {
      const c = m.caller(meta);
      const { node } = paths.resolve(c, pathField(meta, 'path'), bool(meta, 'follow'));
      return { meta: { attr: attrOf(node) } };
    },

    'fs.readdir': ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const { node } = paths.resolve(c, p, true);
      if (node.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${p}`);
      if (!allowed(c, node, R_OK)) deny(`list ${p}`);
      // a page at a time (dir-pages.ts): the client follows `cursor` until there is none
      const entries: { name: string; attr: Attr }[] = [];
      const more = pages.page(c, node, meta, (name, ino) => void entries.push({ name, attr: attrOf(ns.get(ino)!) }));
      return { meta: { attr: attrOf(node), entries, cursor: more } };
    },

    'fs.mkdir': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      return { meta: { attr: attrOf(await ops.mkdir(c, paths.resolveParent(c, p), int(meta, 'mode', 0, 0o7777), p)) } };
    },

    'fs.mknod': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const type = str(meta, 'type', 16);
      if (!Object.hasOwn(TYPE_BITS, type)) throw new DfsError('EINVAL', `field 'type' names no kind of file: ${type}`);
      const rdev = optInt(meta, 'rdev', 0, 0xffff_ffff) ?? 0;
      return { meta: { attr: attrOf(await ops.mknod(c, paths.resolveParent(c, p), type as FileType, int(meta, 'mode', 0, 0o7777), rdev, p)) } };
    },

    'fs.create': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const pr = paths.resolveParent(c, p, false);
      const o = { exclusive: bool(meta, 'exclusive'), truncate: bool(meta, 'truncate') };
      const n = await ops.create(c, pr, int(meta, 'mode', 0, 0o7777), o, p, () => paths.resolve(c, p, true).node);
      return { meta: ops.openInfo(c, n, optInt(meta, 'allocate', 0, 4) ?? 0, true) };
    },

    'fs.open': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const write = bool(meta, 'write');
      const n = await ops.open(c, paths.resolve(c, p, true).node, { read: bool(meta, 'read'), write, truncate: bool(meta, 'truncate') }, p);
      return { meta: ops.openInfo(c, n, write ? (optInt(meta, 'allocate', 0, 4) ?? 0) : 0, write) };
    },

    'fs.unlink': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      await ops.unlink(c, paths.resolveParent(c, p), p);
    },

    'fs.rmdir': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      if (splitPath(p).length === 0) throw new DfsError('EBUSY', 'cannot remove the root');
      await ops.rmdir(c, paths.resolveParent(c, p), p);
    },

    'fs.rename': async ({ meta }) => {
      const c = m.caller(meta);
      const from = pathField(meta, 'from');
      const to = pathField(meta, 'to');
      await ops.rename(c, paths.resolveParent(c, from), paths.resolveParent(c, to), { from, to });
    },

    'fs.chmod': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = paths.resolve(c, pathField(meta, 'path'), true);
      return { meta: { attr: attrOf(await ops.chmod(c, node, int(meta, 'mode', 0, 0o7777))) } };
    },

    'fs.chown': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = paths.resolve(c, pathField(meta, 'path'), bool(meta, 'follow'));
      const uid = optId(optInt(meta, 'uid', -1, 2 ** 32));
      const gid = optId(optInt(meta, 'gid', -1, 2 ** 32));
      return { meta: { attr: attrOf(await ops.chown(c, node, uid, gid)) } };
    },

    'fs.utimens': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = paths.resolve(c, pathField(meta, 'path'), bool(meta, 'follow'));
      return { meta: { attr: attrOf(await ops.utimens(c, node, optTime(meta, 'atime'), optTime(meta, 'mtime'))) } };
    },

    'fs.symlink': async ({ meta }) => {
      const c = m.caller(meta);
      const target = str(meta, 'target', DEFAULTS.maxPathBytes);
      const p = pathField(meta, 'path');
      return { meta: { attr: attrOf(await ops.symlink(c, paths.resolveParent(c, p), target, p)) } };
    },

    'fs.readlink': ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const { node } = paths.resolve(c, p, false);
      if (node.type !== 'symlink') throw new DfsError('EINVAL', `not a symbolic link: ${p}`);
      return { meta: { target: node.target! } };
    },

    'fs.link': async ({ meta }) => {
      const c = m.caller(meta);
      const from = pathField(meta, 'from');
      const to = pathField(meta, 'to');
      const { node } = paths.resolve(c, from, false);
      return { meta: { attr: attrOf(await ops.link(c, node, paths.resolveParent(c, to), { from, to })) } };
    },

    'fs.access': ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      ops.access(c, paths.resolve(c, p, true).node, int(meta, 'mode', 0, 7), p);
    },

    'fs.setreplicas': async ({ meta }) => {
      const c = m.caller(meta);
      const { node } = paths.resolve(c, pathField(meta, 'path'), true);
      return { meta: { attr: attrOf(await ops.setReplicas(c, node, int(meta, 'replicas', 1, 16))) } };
    },
  };

  // A retry of a change that was done already (its reply lost) is answered as done, from the
  // state as it is now, and not done again (request-once.ts).
  const attrAt = (c: Caller, p: string): { attr: Attr } => ({ attr: attrOf(paths.resolve(c, p, false).node) });
  const done = (): Reply => ({});
  const plain = handlers as Handlers<ConnContext>;
  return once(m, plain, {
    'fs.mkdir': ({ meta }, _peer, c) => ({ meta: attrAt(c, pathField(meta, 'path')) }),
    'fs.mknod': ({ meta }, _peer, c) => ({ meta: attrAt(c, pathField(meta, 'path')) }),
    'fs.symlink': ({ meta }, _peer, c) => ({ meta: attrAt(c, pathField(meta, 'path')) }),
    'fs.link': ({ meta }, _peer, c) => ({ meta: attrAt(c, pathField(meta, 'to')) }),
    // the file was made (or emptied): open it as it is; gone since, it is not made again
    'fs.create': (req, peer, c) => {
      paths.resolve(c, pathField(req.meta, 'path'), false);
      return plain['fs.create']({ ...req, meta: { ...req.meta, exclusive: false, truncate: false } }, peer);
    },
    'fs.open': (req, peer) => plain['fs.open']({ ...req, meta: { ...req.meta, truncate: false } }, peer),
    'fs.unlink': done,
    'fs.rmdir': done,
    'fs.rename': done,
  });
}
