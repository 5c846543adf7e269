// The namespace's changes, each once: checks a local file system would make (permissions,
// the sticky bit, file types, names), then the records for `mutate`. Two fronts call them:
// the path methods the CLI uses (namespace-service.ts) and the inode methods a mount uses
// (inode-service.ts). `label` is what a message names (a path, or a name in a directory).
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { NodeAddress, OpenInfo, RemoteBlock } from '../protocol/methods.js';
import type { FileTime } from '../protocol/types.js';
import type { MasterContext } from './context.js';
import { attrOf, type BlockRef, type Inode } from './namespace.js';
import type { MutationRecord } from './records.js';
import { allowed, isSuperuser, R_OK, stickyBlocks, W_OK, withoutSetIds, type Caller } from './permissions.js';
import { deny, type ParentResolved, type Paths } from './resolve.js';
import { refuseNewName, removal, renameRecord } from './trash-service.js';

export class NamespaceOps {
  constructor(
    private readonly m: MasterContext,
    private readonly paths: Paths,
  ) {}

  private get ns() {
    return this.m.state.ns;
  }

  /** A new inode as `pr.name` in `pr.dir` (write permission checked by the caller). */
  async make(c: Caller, pr: ParentResolved, type: Inode['type'], mode: number, target?: string, rdev?: number): Promise<Inode> {
    refuseNewName(this.m, pr.dir, pr.name);
    const ino = this.ns.nextIno;
    const setgidDir = (pr.dir.mode & 0o2000) !== 0;
    // a set-group-id directory hands its group down, and to a directory the bit itself; a
    // group-executable setgid file of a group its maker is not in loses the bit (Linux's mode_strip_sgid)
    if (type === 'dir' && setgidDir) mode |= 0o2000;
    const gid = setgidDir ? pr.dir.gid : c.user.gid;
    if (type !== 'dir' && (mode & 0o2010) === 0o2010 && !isSuperuser(c) && !c.gids.has(gid)) mode &= ~0o2000;
    await this.m.mutate([
      {
        op: 'mknod',
        ino,
        parent: pr.dir.ino,
        name: pr.name,
        type,
        mode: mode & 0o7777,
        uid: c.uid,
        gid,
        time: Date.now(),
        replicas: pr.dir.replicas,
        target,
        key: type === 'file' ? this.m.keys.newWrappedKey(ino) : undefined,
        ...(rdev ? { rdev } : {}),
      },
    ]);
    return this.ns.get(ino)!;
  }

  /**
   * mknod(2): a regular file, FIFO, socket or device. Devices take a superuser, as they take
   * CAP_MKNOD on Linux; the mount is nodev, so a device node there opens nothing anyway.
   */
  async mknod(c: Caller, pr: ParentResolved, type: Inode['type'], mode: number, rdev: number, label: string): Promise<Inode> {
    if (type === 'dir' || type === 'symlink') throw new DfsError('EINVAL', `mknod makes no ${type === 'dir' ? 'directory' : 'symbolic link'}: ${label}`);
    if ((type === 'char' || type === 'block') && !isSuperuser(c)) throw new DfsError('EPERM', `only an admin may make a device: ${label}`);
    if (pr.existing) throw new DfsError('EEXIST', `file exists: ${label}`);
    return this.make(c, pr, type, mode, undefined, type === 'char' || type === 'block' ? rdev : undefined);
  }

  async mkdir(c: Caller, pr: ParentResolved, mode: number, label: string): Promise<Inode> {
    if (pr.existing) throw new DfsError('EEXIST', `file exists: ${label}`);
    return this.make(c, pr, 'dir', mode);
  }

  async symlink(c: Caller, pr: ParentResolved, target: string, label: string): Promise<Inode> {
    // as Linux: a target of PATH_MAX bytes or more does not fit with its NUL
    if (target.length === 0 || target.includes('\0') || Buffer.byteLength(target) >= DEFAULTS.maxPathBytes) {
      throw new DfsError(target.length === 0 || target.includes('\0') ? 'EINVAL' : 'ENAMETOOLONG', 'bad symlink target');
    }
    if (pr.existing) throw new DfsError('EEXIST', `file exists: ${label}`);
    return this.make(c, pr, 'symlink', 0o777, target);
  }

  /**
   * open(O_CREAT): the file `pr.name`, made when missing (write permission on the directory
   * needed then), or the one there (`resolveTarget` follows a symlink to it) unless `exclusive`.
   */
  async create(c: Caller, pr: ParentResolved, mode: number, o: { exclusive: boolean; truncate: boolean }, label: string, resolveTarget: () => Inode): Promise<Inode> {
    if (pr.existing) {
      if (o.exclusive) throw new DfsError('EEXIST', `file exists: ${label}`);
      const n = pr.existing.type === 'symlink' ? resolveTarget() : pr.existing;
      return this.open(c, n, { read: false, write: true, truncate: o.truncate }, label);
    }
    if (!allowed(c, pr.dir, W_OK)) deny(`write in the directory of ${label}`);
    return this.make(c, pr, 'file', mode);
  }

  /** open(2) of a file reached: the access asked checked; O_TRUNC empties it, even with O_RDONLY as on Linux, and takes write permission. */
  async open(c: Caller, n: Inode, o: { read: boolean; write: boolean; truncate: boolean }, label: string): Promise<Inode> {
    const write = o.write || o.truncate;
    if (n.type === 'dir' && write) throw new DfsError('EISDIR', `is a directory: ${label}`);
    if (o.read && !allowed(c, n, R_OK)) deny(`read ${label}`);
    if (write && !allowed(c, n, W_OK)) deny(`write ${label}`);
    if (n.type === 'dir') throw new DfsError('EISDIR', `is a directory: ${label}`);
    // a FIFO's, socket's or device's bytes are the kernel's, not dfs's: no such device here
    if (n.type !== 'file') throw new DfsError('ENXIO', `not a regular file (a ${n.type}): ${label}`);
    if (o.truncate) {
      const time = Date.now();
      const records: MutationRecord[] = n.size > 0 ? [{ op: 'commit', ino: n.ino, size: 0, blocks: [], time }] : [];
      // as a write: anyone but a superuser drops the set-id bits
      const mode = isSuperuser(c) ? n.mode : withoutSetIds(c, n);
      if (mode !== n.mode) records.push({ op: 'setattr', ino: n.ino, mode, time });
      if (records.length) await this.m.mutate(records);
    }
    return n;
  }

  /** Slot `index` of a file as a reader gets it: where each of its objects lives, and a capability to read each. */
  remoteSlot(b: BlockRef | null, index: number): RemoteBlock | null {
    if (!b) return null;
    const where = (id: string): { nodes: NodeAddress[]; cap: string } => {
      const info = this.m.state.blocks.get(id);
      // copies a client found bad are offered last: a read tries them only when nothing else is left
      const suspect = (node: string): number => (info?.suspect?.has(node) ? 1 : 0);
      const nodes = [...(info?.nodes ?? [])]
        .filter((node) => this.m.nodes.isAlive(node))
        .sort((x, y) => suspect(x) - suspect(y))
        .map((node) => ({ id: node, url: this.m.nodes.url(node)! }));
      return { nodes, cap: this.m.capabilities.sign('r', id) };
    };
    const remote: RemoteBlock = { index, id: b.id, size: b.size, ...where(b.id) };
    if (b.over?.length) remote.over = b.over.map((o) => ({ id: o.id, size: o.size, pages: o.pages, ...where(o.id) }));
    return remote;
  }

  /**
   * What a client needs to read and write a file: its key, block list and capabilities, the
   * open ticket its later by-inode calls must show, and (`allocate`) block ids for its first
   * uploads: best effort, a cluster with no room answers without, and the upload asks again.
   */
  openInfo(c: Caller, n: Inode, allocate = 0, write = false): OpenInfo {
    const key = this.m.keys.unwrap(n.key!, n.ino).toString('base64');
    const blocks = n.blocks!.map((b, index) => this.remoteSlot(b, index));
    const out: OpenInfo = { attr: attrOf(n), key, blockSize: this.m.state.blockSize, blocks, ticket: this.m.capabilities.ticket(c, n.ino, write), writable: write };
    if (allocate > 0) {
      try {
        out.spare = this.m.allocations.allocate(n.ino, allocate, n.replicas);
      } catch {
        // the upload asks again, and reports why
      }
    }
    return out;
  }

  /** unlink(2): a name that is not a directory; into the trash (`label` is where it was) when it is the file's last name. */
  async unlink(c: Caller, pr: ParentResolved, label: string): Promise<void> {
    if (!pr.existing) throw new DfsError('ENOENT', `no such file or directory: ${label}`);
    if (pr.existing.type === 'dir') throw new DfsError('EISDIR', `is a directory: ${label}`);
    if (stickyBlocks(c, pr.dir, pr.existing)) throw new DfsError('EACCES', `sticky directory: only the owner may remove ${label}`);
    const r = removal(this.m, c, pr, label);
    if (r.op === 'unlink' && this.keptOpen(pr.existing)) r.keep = true;
    await this.m.mutate([r]);
  }

  /** Whether a file losing its last name lives on, because a client has it open (holds.ts). */
  private keptOpen(n: Inode | undefined): boolean {
    return n !== undefined && n.type !== 'dir' && n.nlink <= 1 && this.m.holds.isHeld(n.ino);
  }

  async rmdir(c: Caller, pr: ParentResolved, label: string): Promise<void> {
    if (!pr.existing) throw new DfsError('ENOENT', `no such file or directory: ${label}`);
    if (pr.existing.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${label}`);
    if (pr.existing.entries!.size > 0) throw new DfsError('ENOTEMPTY', `directory not empty: ${label}`);
    if (stickyBlocks(c, pr.dir, pr.existing)) throw new DfsError('EACCES', `sticky directory: only the owner may remove ${label}`);
    await this.m.mutate([removal(this.m, c, pr, label)]);
  }

  /** rename(2), with RENAME_NOREPLACE (`noReplace`). Two names of one file: nothing happens, as POSIX says. */
  async rename(c: Caller, src: ParentResolved, dst: ParentResolved, labels: { from: string; to: string }, noReplace = false): Promise<void> {
    const { from, to } = labels;
    if (!src.existing) throw new DfsError('ENOENT', `no such file or directory: ${from}`);
    const moving = src.existing;
    if (stickyBlocks(c, src.dir, moving)) throw new DfsError('EACCES', `sticky directory: only the owner may move ${from}`);
    if (dst.existing) {
      if (noReplace) throw new DfsError('EEXIST', `file exists: ${to}`);
      if (dst.existing.ino === moving.ino) return;
      if (moving.type === 'dir' && dst.existing.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${to}`);
      if (moving.type !== 'dir' && dst.existing.type === 'dir') throw new DfsError('EISDIR', `is a directory: ${to}`);
      if (dst.existing.type === 'dir' && dst.existing.entries!.size > 0) throw new DfsError('ENOTEMPTY', `directory not empty: ${to}`);
      if (stickyBlocks(c, dst.dir, dst.existing)) throw new DfsError('EACCES', `sticky directory: only the owner may replace ${to}`);
    }
    if (moving.type === 'dir' && this.paths.isAncestor(moving, dst.dir)) throw new DfsError('EINVAL', `cannot move ${from} into itself`);
    // a directory moved to another parent has its '..' rewritten: that takes write on it
    if (moving.type === 'dir' && src.dir.ino !== dst.dir.ino && !allowed(c, moving, W_OK)) deny(`move the directory ${from}`);
    const r = renameRecord(this.m, src, dst, Date.now());
    if (r.op === 'rename' && this.keptOpen(dst.existing)) r.keep = true;
    await this.m.mutate([r]);
  }

  /** link(2): another name for a file. */
  async link(c: Caller, node: Inode, pr: ParentResolved, labels: { from: string; to: string }): Promise<Inode> {
    if (node.type === 'dir') throw new DfsError('EPERM', `hard link to a directory: ${labels.from}`);
    // as Linux's protected_hardlinks: no pinning someone else's file you cannot read and write
    if (!isSuperuser(c) && c.uid !== node.uid && !allowed(c, node, R_OK | W_OK)) throw new DfsError('EPERM', `only the owner may link ${labels.from}`);
    if (pr.existing) throw new DfsError('EEXIST', `file exists: ${labels.to}`);
    refuseNewName(this.m, pr.dir, pr.name);
    await this.m.mutate([{ op: 'link', ino: node.ino, parent: pr.dir.ino, name: pr.name, time: Date.now() }]);
    return node;
  }

  private ownerOrRoot(c: Caller, n: Inode, what: string): void {
    if (!isSuperuser(c) && c.uid !== n.uid) throw new DfsError('EPERM', `only the owner may ${what}`);
  }

  async chmod(c: Caller, node: Inode, mode: number): Promise<Inode> {
    // a write by someone else drops the set-id bits: the kernel asks for it as a chmod from
    // the writer, which needs write permission, not ownership, and may change nothing else
    const dropped = node.mode & 0o6000 & ~mode;
    const onlyDrops = dropped !== 0 && (mode & 0o7777) === (node.mode & 0o7777 & ~dropped);
    if (!(onlyDrops && allowed(c, node, W_OK))) this.ownerOrRoot(c, node, 'change its mode');
    // like Linux: a non-member may not keep the setgid bit
    if (!isSuperuser(c) && !c.gids.has(node.gid)) mode &= ~0o2000;
    await this.m.mutate([{ op: 'setattr', ino: node.ino, mode: mode & 0o7777, time: Date.now() }]);
    return node;
  }

  /** chown(2); undefined leaves the uid or gid as it is. */
  async chown(c: Caller, node: Inode, uid: number | undefined, gid: number | undefined): Promise<Inode> {
    if (!isSuperuser(c)) {
      if (uid !== undefined && uid !== node.uid) throw new DfsError('EPERM', 'only an admin may give a file away');
      if (gid !== undefined && (c.uid !== node.uid || !c.gids.has(gid))) throw new DfsError('EPERM', 'only the owner may change the group, to one of its own groups');
    }
    // a change of owner drops setuid, and setgid as Linux does (withoutSetIds)
    const mode = (uid !== undefined || gid !== undefined) && node.type !== 'dir' ? withoutSetIds(c, node) : undefined;
    await this.m.mutate([{ op: 'setattr', ino: node.ino, uid, gid, mode, time: Date.now() }]);
    return node;
  }

  /**
   * As utimensat(2): both times to now (touch) needs write access; any other change, and every
   * explicit time (cp -p, tar x), only the owner may make. Undefined leaves a time alone.
   */
  async utimens(c: Caller, node: Inode, atime: FileTime, mtime: FileTime): Promise<Inode> {
    if (atime === undefined && mtime === undefined) return node;
    const owner = isSuperuser(c) || c.uid === node.uid;
    if (atime === 'now' && mtime === 'now') {
      if (!owner && !allowed(c, node, W_OK)) deny('change the times');
    } else if (!owner) {
      throw new DfsError('EPERM', 'only the owner may set file times other than now');
    }
    const time = Date.now();
    const at = (t: FileTime): number | undefined => (t === 'now' ? time : t);
    await this.m.mutate([{ op: 'setattr', ino: node.ino, atime: at(atime), mtime: at(mtime), time }]);
    return node;
  }

  async setReplicas(c: Caller, node: Inode, replicas: number): Promise<Inode> {
    this.ownerOrRoot(c, node, 'change its replication');
    await this.m.mutate([{ op: 'setattr', ino: node.ino, replicas, time: Date.now() }]);
    // a file's existing blocks move to the new factor; a directory's applies to new entries
    if (node.type === 'file') this.m.replication.requestScan();
    return node;
  }

  /** access(2): R_OK 4, W_OK 2, X_OK 1 (0: exists). */
  access(c: Caller, node: Inode, want: number, label: string): void {
    if (want && !allowed(c, node, want)) deny(`access ${label}`);
  }
}
