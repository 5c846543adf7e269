// The namespace by inode, as a mount walks it: the kernel names a file by the inode it was
// handed and a name in a directory by the directory's inode, so every call names inodes
// (with the ticket that proves this session reached them, capabilities.ts) and each change
// goes to namespace-ops.ts, the same as by path. What a mount is handed it may cache under a
// lease (leases.ts), so that the master can tell it of a change made elsewhere; what it opens
// it holds (holds.ts), so that a file it has open outlives its last name, as on a local
// file system.
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import type { InoEntry } from '../protocol/methods.js';
import { TYPE_BITS, type DirEntry, type FileType } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { bool, int, optInt, optTime, str } from '../rpc/params.js';
import { DirPages } from './dir-pages.js';
import type { Handlers, Peer, Reply } from '../rpc/peer.js';
import { holderOf, type ConnContext, type MasterContext, type MasterHandlers } from './context.js';
import { attrOf, ROOT_INO, type Inode } from './namespace.js';
import type { NamespaceOps } from './namespace-ops.js';
import { allowed, R_OK, X_OK, type Caller } from './permissions.js';
import { once } from './request-once.js';
import { deny, trashLookup, type ParentResolved, type Paths } from './resolve.js';

const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;

/** -1 (or absent) leaves an id as it is, as chown(2) takes it. */
function optId(v: number | undefined): number | undefined {
  return v === undefined || v === -1 ? undefined : v;
}

export function inodeHandlers(m: MasterContext, paths: Paths, ops: NamespaceOps): MasterHandlers {
  const ns = m.state.ns;
  const pages = new DirPages();

  /** Leases go only to connections that are told of changes (a mount's). */
  const leased = (peer: Peer<ConnContext>): string | undefined => (peer.context.invalidations ? peer.context.id : undefined);

  const entry = (c: Caller, n: Inode, peer: Peer<ConnContext>): InoEntry => {
    const conn = leased(peer);
    if (conn !== undefined) m.leases.grantAttr(conn, n.ino);
    return { attr: attrOf(n), ticket: m.capabilities.ticket(c, n.ino) };
  };

  const file = (c: Caller, meta: Meta, peer: Peer<ConnContext>): Inode => {
    const n = paths.byIno(c, meta);
    const conn = leased(peer);
    if (conn !== undefined) m.leases.grantAttr(conn, n.ino);
    return n;
  };

  /** `key` in the directory named by `dirKey` (and its ticket), write (or search) permission checked. */
  const inDir = (c: Caller, meta: Meta, dirKey: string, ticketKey: string, nameKey: string, needWrite: boolean): ParentResolved => {
    const dir = paths.byIno(c, meta, dirKey, ticketKey);
    const name = str(meta, nameKey, DEFAULTS.maxNameBytes * 4);
    return paths.inDir(c, dir, name, needWrite, `the directory of ${name}`);
  };

  /** The path of a name in a directory: what the trash remembers of where an item was. */
  const pathIn = (pr: ParentResolved): string => path.posix.join(paths.pathOf(pr.dir), pr.name);

  const holdFor = (peer: Peer<ConnContext>, ino: number): void => m.holds.hold(holderOf(peer.context), ino);

  const handlers: MasterHandlers = {
    'ino.root': ({ meta }, peer) => {
      const c = m.caller(meta);
      const root = ns.get(ROOT_INO)!;
      const conn = leased(peer);
      if (conn !== undefined) m.leases.grantDir(conn, ROOT_INO);
      return { meta: entry(c, root, peer) };
    },

    'ino.lookup': ({ meta }, peer) => {
      const c = m.caller(meta);
      const dir = paths.byIno(c, meta, 'parent', 'pticket');
      const name = str(meta, 'name', DEFAULTS.maxNameBytes * 4);
      if (dir.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: the directory of ${name}`);
      if (!allowed(c, dir, X_OK)) deny(`search the directory of ${name}`);
      // as a local file system: a name past NAME_MAX is not looked for
      if (Buffer.byteLength(name) > DEFAULTS.maxNameBytes) throw new DfsError('ENAMETOOLONG', 'name is too long');
      // the lease on the directory covers the name's absence too: a create elsewhere is told
      const conn = leased(peer);
      if (conn !== undefined) m.leases.grantDir(conn, dir.ino);
      const ino = name === '.' ? dir.ino : name === '..' ? dir.parent! : (dir.entries!.get(name) ?? trashLookup(m, dir, name));
      if (ino === undefined) throw new DfsError('ENOENT', `no such file or directory: ${name}`);
      return { meta: entry(c, ns.get(ino)!, peer) };
    },

    'ino.getattr': ({ meta }, peer) => {
      const c = m.caller(meta);
      return { meta: { attr: attrOf(file(c, meta, peer)) } };
    },

    'ino.setattr': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const n = file(c, meta, peer);
      const uid = optId(optInt(meta, 'uid', -1, 2 ** 32));
      const gid = optId(optInt(meta, 'gid', -1, 2 ** 32));
      // the owner first (it clears setuid and setgid), then the mode asked for, then the times
      if (uid !== undefined || gid !== undefined) await ops.chown(c, n, uid, gid);
      const mode = optInt(meta, 'mode', 0, 0o7777);
      if (mode !== undefined) await ops.chmod(c, n, mode);
      await ops.utimens(c, n, optTime(meta, 'atime'), optTime(meta, 'mtime'));
      return { meta: { attr: attrOf(n) } };
    },

    'ino.readdir': ({ meta }, peer) => {
      const c = m.caller(meta);
      const dir = paths.byIno(c, meta);
      if (dir.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: inode ${dir.ino}`);
      if (!allowed(c, dir, R_OK)) deny(`list inode ${dir.ino}`);
      const conn = leased(peer);
      if (conn !== undefined) m.leases.grantDir(conn, dir.ino);
      const entries: (DirEntry & { ticket: string })[] = [];
      const cursor = pages.page(c, dir, meta, (name, ino) => void entries.push({ name, ...entry(c, ns.get(ino)!, peer) }));
      return { meta: { parent: dir.parent!, entries, cursor } };
    },

    'ino.mkdir': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const pr = inDir(c, meta, 'parent', 'pticket', 'name', true);
      // its maker knows it empty and may answer lookups in it, so a name added elsewhere must
      // be told: leased before it exists (the inode number mkdir takes next; nothing runs
      // between here and there), so that none added before this answer goes untold
      const conn = leased(peer);
      if (conn !== undefined) m.leases.grantDir(conn, ns.nextIno);
      return { meta: entry(c, await ops.mkdir(c, pr, int(meta, 'mode', 0, 0o7777), pr.name), peer) };
    },

    'ino.symlink': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const pr = inDir(c, meta, 'parent', 'pticket', 'name', true);
      return { meta: entry(c, await ops.symlink(c, pr, str(meta, 'target', DEFAULTS.maxPathBytes), pr.name), peer) };
    },

    'ino.mknod': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const pr = inDir(c, meta, 'parent', 'pticket', 'name', true);
      const type = str(meta, 'type', 16);
      if (!Object.hasOwn(TYPE_BITS, type)) throw new DfsError('EINVAL', `field 'type' names no kind of file: ${type}`);
      const rdev = optInt(meta, 'rdev', 0, 0xffff_ffff) ?? 0;
      return { meta: entry(c, await ops.mknod(c, pr, type as FileType, int(meta, 'mode', 0, 0o7777), rdev, pr.name), peer) };
    },

    'ino.readlink': ({ meta }, peer) => {
      const c = m.caller(meta);
      const n = file(c, meta, peer);
      if (n.type !== 'symlink') throw new DfsError('EINVAL', `not a symbolic link: inode ${n.ino}`);
      return { meta: { target: n.target! } };
    },

    'ino.unlink': async ({ meta }) => {
      const c = m.caller(meta);
      const pr = inDir(c, meta, 'parent', 'pticket', 'name', true);
      await ops.unlink(c, pr, pathIn(pr));
    },

    'ino.rmdir': async ({ meta }) => {
      const c = m.caller(meta);
      const pr = inDir(c, meta, 'parent', 'pticket', 'name', true);
      await ops.rmdir(c, pr, pathIn(pr));
    },

    'ino.rename': async ({ meta }) => {
      const c = m.caller(meta);
      const flags = optInt(meta, 'flags', 0, 2 ** 32) ?? 0;
      // an exchange of two names is not supported (as on many FUSE file systems): EINVAL
      if (flags & RENAME_EXCHANGE || flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) throw new DfsError('EINVAL', 'rename flags not supported');
      const src = inDir(c, meta, 'parent', 'pticket', 'name', true);
      const dst = inDir(c, meta, 'newParent', 'newPticket', 'newName', true);
      await ops.rename(c, src, dst, { from: src.name, to: dst.name }, (flags & RENAME_NOREPLACE) !== 0);
    },

    'ino.link': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const pr = inDir(c, meta, 'newParent', 'newPticket', 'newName', true);
      return { meta: entry(c, await ops.link(c, n, pr, { from: `inode ${n.ino}`, to: pr.name }), peer) };
    },

    'ino.access': ({ meta }, peer) => {
      const c = m.caller(meta);
      const n = file(c, meta, peer);
      ops.access(c, n, int(meta, 'mode', 0, 7), `inode ${n.ino}`);
    },

    'ino.open': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const write = bool(meta, 'write');
      const n = await ops.open(c, file(c, meta, peer), { read: bool(meta, 'read'), write, truncate: bool(meta, 'truncate') }, `inode ${int(meta, 'ino', 1)}`);
      holdFor(peer, n.ino);
      return { meta: ops.openInfo(c, n, write ? (optInt(meta, 'allocate', 0, 4) ?? 0) : 0, write) };
    },

    'ino.create': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const pr = inDir(c, meta, 'parent', 'pticket', 'name', false);
      const o = { exclusive: bool(meta, 'exclusive'), truncate: bool(meta, 'truncate') };
      // an existing symlink is followed to its file, by path from its directory
      const target = (): Inode => paths.resolve(c, pathIn(pr), true).node;
      const n = await ops.create(c, pr, int(meta, 'mode', 0, 0o7777), o, pr.name, target);
      holdFor(peer, n.ino);
      const conn = leased(peer);
      if (conn !== undefined) m.leases.grantAttr(conn, n.ino);
      return { meta: ops.openInfo(c, n, optInt(meta, 'allocate', 0, 4) ?? 0, true) };
    },

    'fs.release': async ({ meta }, peer) => {
      const c = m.caller(meta);
      const ino = int(meta, 'ino', 1);
      m.capabilities.checkTicket(c, ino, meta.ticket);
      if (m.holds.release(holderOf(peer.context), ino)) await forgetIfOrphan(m, ino);
    },
  };

  // A retry of a change that was done (its reply lost) is answered from the state as it is now.
  const plain = handlers as Handlers<ConnContext>;
  const again = (c: Caller, meta: Meta, peer: Peer<ConnContext>, dirKey: string, ticketKey: string, nameKey: string): Reply => {
    const pr = inDir(c, meta, dirKey, ticketKey, nameKey, false);
    if (!pr.existing) throw new DfsError('ENOENT', `no such file or directory: ${pr.name}`);
    return { meta: entry(c, pr.existing, peer) };
  };
  const done = (): Reply => ({});
  return once(m, plain, {
    'ino.mkdir': ({ meta }, peer, c) => again(c, meta, peer, 'parent', 'pticket', 'name'),
    'ino.symlink': ({ meta }, peer, c) => again(c, meta, peer, 'parent', 'pticket', 'name'),
    'ino.mknod': ({ meta }, peer, c) => again(c, meta, peer, 'parent', 'pticket', 'name'),
    'ino.link': ({ meta }, peer, c) => again(c, meta, peer, 'newParent', 'newPticket', 'newName'),
    'ino.create': (req, peer) => plain['ino.create']({ ...req, meta: { ...req.meta, exclusive: false, truncate: false } }, peer),
    'ino.open': (req, peer) => plain['ino.open']({ ...req, meta: { ...req.meta, truncate: false } }, peer),
    'ino.unlink': done,
    'ino.rmdir': done,
    'ino.rename': done,
  });
}

/** A file with no name left that nobody holds goes (its blocks become garbage). */
export async function forgetIfOrphan(m: Pick<MasterContext, 'state' | 'holds' | 'mutate'>, ino: number): Promise<void> {
  const n = m.state.ns.get(ino);
  if (n && n.type !== 'dir' && n.nlink <= 0 && !m.holds.isHeld(ino)) await m.mutate([{ op: 'forget', ino }]);
}
