// A small in-memory file system on the low-level FUSE binding (src/fuse/lowlevel.ts), for
// the binding's tests: inodes with lookup counts and FORGET, hard links, open files that
// outlive their names, POSIX record locks and flock that wait (and give up when the kernel
// interrupts them), xattrs, data kept whole in a Buffer. It counts what it is asked, keeps
// the caller's identity of chosen operations, and can hold an operation on a given name
// until the test lets it go. Runs in a child process (test/helpers/lowlevel-child.ts).
import { constants } from 'node:fs';
import { DfsError } from '../../src/rpc/errors.js';
import type {
  AttrChanges,
  AttrReply,
  CreateReply,
  DirEntry,
  DirOut,
  DirPlusEntry,
  Entry,
  FileLock,
  InodeAttr,
  LowLevelOps,
  NegativeEntry,
  OpenReply,
  ReleaseInfo,
  Request,
  StatfsReply,
  Timespec,
  WriteInfo,
} from '../../src/fuse/lowlevel-ops.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const F_RDLCK = 0;
const F_UNLCK = 2;
const LOCK_SH = 1;
const LOCK_NB = 4;
const LOCK_UN = 8;
const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;

export interface MemFsOptions {
  entryTimeout?: number;
  attrTimeout?: number;
  /** open answers keep_cache: the kernel keeps a file's pages across opens (until told otherwise). */
  keepCache?: boolean;
  /** Writes answer after up to this many ms (at random), holding the kernel's data meanwhile. */
  writeDelayMs?: number;
  /**
   * Lookups of these names fail the way a buggy file system would: 'throws' a plain Error
   * (no errno), 'malformed' an entry without attributes.
   */
  faults?: Record<string, 'throws' | 'malformed'>;
}

interface Node {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  data: Buffer;
  size: number;
  target?: string;
  entries?: Map<string, number>;
  parent: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  xattrs: Map<string, Buffer>;
  lookups: number;
  opens: number;
  /** The name it was last looked up or created under, for holds by name. */
  name: string;
}

interface RecordLock {
  owner: bigint;
  type: number;
  start: number;
  end: number;
  pid: number;
}

export interface CallerContext {
  op: string;
  uid: number;
  gid: number;
  pid: number;
  groups: readonly number[];
}

function now(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

const err = (code: ConstructorParameters<typeof DfsError>[0], what?: string): DfsError => new DfsError(code, what);

export class MemFs implements LowLevelOps {
  private readonly nodes = new Map<number, Node>();
  private nextIno = 2;
  private nextFh = 1;
  private readonly dirSnapshots = new Map<number, string[]>();
  private readonly posixLocks = new Map<number, RecordLock[]>();
  private readonly flocks = new Map<number, { owner: bigint; shared: boolean }[]>();
  private lockWaiters: (() => void)[] = [];
  private readonly held = new Map<string, () => void>();
  /** Operations counted by name. */
  readonly calls = new Map<string, number>();
  readonly writeSizes: number[] = [];
  readonly readSizes: number[] = [];
  readonly contexts: CallerContext[] = [];
  interrupts = 0;
  forgets = 0;
  /** Write buffers seen empty once their write was answered (the binding detaches them). */
  detachedAfterReply = 0;
  /** Called when an operation starts waiting on a hold (the test then knows the kernel waits too). */
  onHeld: (key: string) => void = () => undefined;
  /** Operations whose caller's identity is recorded (groups included). */
  recordContextOf = new Set<string>();
  /** Holds set by the test: "op:name" (name of the entry, or of the inode's last name). */
  readonly holds = new Set<string>();

  constructor(private readonly o: MemFsOptions = {}) {
    const t = now();
    this.nodes.set(1, {
      ino: 1,
      mode: S_IFDIR | 0o755,
      nlink: 2,
      uid: 0,
      gid: 0,
      rdev: 0,
      data: Buffer.alloc(0),
      size: 0,
      entries: new Map(),
      parent: 1,
      atime: t,
      mtime: t,
      ctime: t,
      xattrs: new Map(),
      lookups: 1,
      opens: 0,
      name: '/',
    });
  }

  /** Lets a held operation go on. */
  letGo(key: string): boolean {
    this.holds.delete(key);
    const go = this.held.get(key);
    this.held.delete(key);
    go?.();
    return go !== undefined;
  }

  /** How many of its lookups the kernel holds of the inode named `name` in the root, or undefined. */
  lookupsOf(name: string): number | undefined {
    const ino = this.dir(1).entries!.get(name);
    return ino === undefined ? undefined : this.nodes.get(ino)?.lookups;
  }

  inoOf(name: string): number | undefined {
    return this.dir(1).entries!.get(name);
  }

  get inodeCount(): number {
    return this.nodes.size;
  }

  // ---- helpers -------------------------------------------------------------------------
  private count(op: string, req?: Request): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    if (req && this.recordContextOf.has(op)) {
      this.contexts.push({ op, uid: req.uid, gid: req.gid, pid: req.pid, groups: req.groups() });
    }
  }

  private async hold(op: string, name: string, req: Request): Promise<void> {
    const key = `${op}:${name}`;
    if (!this.holds.has(key)) return;
    await new Promise<void>((resolve, reject) => {
      this.held.set(key, resolve);
      req.signal.addEventListener(
        'abort',
        () => {
          this.interrupts++;
          this.held.delete(key);
          reject(err('EINTR', `${key} interrupted`));
        },
        { once: true },
      );
      this.onHeld(key);
    });
  }

  private node(ino: number): Node {
    const n = this.nodes.get(ino);
    if (!n) throw err('ESTALE', `no inode ${ino}`);
    return n;
  }

  private dir(ino: number): Node {
    const n = this.node(ino);
    if (!n.entries) throw err('ENOTDIR');
    return n;
  }

  private attr(n: Node): InodeAttr {
    return {
      ino: n.ino,
      mode: n.mode,
      nlink: n.nlink,
      uid: n.uid,
      gid: n.gid,
      rdev: n.rdev,
      size: n.entries ? 4096 : n.size,
      blksize: 4096,
      atime: n.atime,
      mtime: n.mtime,
      ctime: n.ctime,
    };
  }

  private attrReply(n: Node): AttrReply {
    return { attr: this.attr(n), timeout: this.o.attrTimeout ?? 0 };
  }

  /** An entry answer: one more lookup the kernel holds. */
  private entry(n: Node): Entry {
    n.lookups++;
    return { ino: n.ino, generation: 0, attr: this.attr(n), attrTimeout: this.o.attrTimeout ?? 0, entryTimeout: this.o.entryTimeout ?? 0 };
  }

  private newNode(req: Request, parent: Node, name: string, mode: number, extra: Partial<Node> = {}): Node {
    if (parent.entries!.has(name)) throw err('EEXIST');
    const t = now();
    const n: Node = {
      ino: this.nextIno++,
      mode,
      nlink: 1,
      uid: req.uid,
      gid: req.gid,
      rdev: 0,
      data: Buffer.alloc(0),
      size: 0,
      parent: parent.ino,
      atime: t,
      mtime: t,
      ctime: t,
      xattrs: new Map(),
      lookups: 0,
      opens: 0,
      name,
      ...extra,
    };
    this.nodes.set(n.ino, n);
    parent.entries!.set(name, n.ino);
    parent.mtime = parent.ctime = t;
    return n;
  }

  /** Drops an inode nobody can reach any more: no name, no kernel lookup, no open file. */
  private maybeFree(n: Node): void {
    if (n.nlink <= 0 && n.lookups <= 0 && n.opens <= 0 && n.ino !== 1) this.nodes.delete(n.ino);
  }

  private unlinkNode(n: Node): void {
    n.nlink -= n.entries ? 2 : 1;
    n.ctime = now();
    this.maybeFree(n);
  }

  private resize(n: Node, size: number): void {
    if (size > n.data.length) {
      const grown = Buffer.alloc(Math.max(size, n.data.length * 2));
      n.data.copy(grown, 0, 0, n.size);
      n.data = grown;
    } else if (size < n.size) {
      n.data.fill(0, size, n.size);
    }
    n.size = size;
  }

  // ---- names ------------------------------------------------------------------------------
  lookup(req: Request, parent: number, name: string): Entry | NegativeEntry | Promise<Entry | NegativeEntry> {
    this.count('lookup', req);
    const fault = this.o.faults?.[name];
    if (fault === 'throws') throw new Error(`a bug in lookup(${name})`);
    if (fault === 'malformed') return { ino: 99 } as unknown as Entry;
    const look = (): Entry => {
      const ino = this.dir(parent).entries!.get(name);
      if (ino === undefined) throw err('ENOENT');
      const n = this.node(ino);
      n.name = name;
      return this.entry(n);
    };
    return this.holds.size ? this.hold('lookup', name, req).then(look) : look();
  }

  forget(ino: number, nlookup: number): void {
    this.forgets++;
    this.count('forget');
    const n = this.nodes.get(ino);
    if (!n) return;
    n.lookups -= nlookup;
    this.maybeFree(n);
  }

  getattr(req: Request, ino: number): AttrReply | Promise<AttrReply> {
    this.count('getattr', req);
    const n = this.node(ino);
    const key = `getattr-late:${n.name}`;
    if (!this.holds.has(key)) return this.attrReply(n);
    // looks at the request's signal only after a while: an interrupt that came meanwhile must show
    return new Promise((resolve, reject) => {
      this.onHeld(key);
      setTimeout(() => {
        if (!req.signal.aborted) return resolve(this.attrReply(n));
        this.interrupts++;
        reject(err('EINTR'));
      }, 500);
    });
  }

  setattr(req: Request, ino: number, c: AttrChanges): AttrReply {
    this.count('setattr', req);
    const n = this.node(ino);
    const t = now();
    if (c.mode !== undefined) n.mode = (n.mode & S_IFMT) | (c.mode & 0o7777);
    if (c.uid !== undefined) n.uid = c.uid;
    if (c.gid !== undefined) n.gid = c.gid;
    if (c.size !== undefined) {
      if (n.entries) throw err('EISDIR');
      this.resize(n, c.size);
      n.mtime = t;
    }
    if (c.atime !== undefined) n.atime = c.atime === 'now' ? t : c.atime;
    if (c.mtime !== undefined) n.mtime = c.mtime === 'now' ? t : c.mtime;
    n.ctime = c.ctime ?? t;
    return this.attrReply(n);
  }

  readlink(req: Request, ino: number): string {
    this.count('readlink', req);
    const n = this.node(ino);
    if (n.target === undefined) throw err('EINVAL');
    return n.target;
  }

  mknod(req: Request, parent: number, name: string, mode: number, rdev: number): Entry {
    this.count('mknod', req);
    return this.entry(this.newNode(req, this.dir(parent), name, mode, { rdev }));
  }

  async mkdir(req: Request, parent: number, name: string, mode: number): Promise<Entry> {
    this.count('mkdir', req);
    await this.hold('mkdir', name, req);
    const p = this.dir(parent);
    const n = this.newNode(req, p, name, S_IFDIR | (mode & 0o7777), { entries: new Map(), nlink: 2 });
    p.nlink++;
    return this.entry(n);
  }

  unlink(req: Request, parent: number, name: string): void {
    this.count('unlink', req);
    const p = this.dir(parent);
    const ino = p.entries!.get(name);
    if (ino === undefined) throw err('ENOENT');
    const n = this.node(ino);
    if (n.entries) throw err('EISDIR');
    p.entries!.delete(name);
    p.mtime = p.ctime = now();
    this.unlinkNode(n);
  }

  rmdir(req: Request, parent: number, name: string): void {
    this.count('rmdir', req);
    const p = this.dir(parent);
    const ino = p.entries!.get(name);
    if (ino === undefined) throw err('ENOENT');
    const n = this.node(ino);
    if (!n.entries) throw err('ENOTDIR');
    if (n.entries.size) throw err('ENOTEMPTY');
    p.entries!.delete(name);
    p.nlink--;
    p.mtime = p.ctime = now();
    this.unlinkNode(n);
  }

  symlink(req: Request, target: string, parent: number, name: string): Entry {
    this.count('symlink', req);
    return this.entry(this.newNode(req, this.dir(parent), name, S_IFLNK | 0o777, { target, size: Buffer.byteLength(target) }));
  }

  rename(req: Request, parent: number, name: string, newParent: number, newName: string, flags: number): void {
    this.count('rename', req);
    const from = this.dir(parent);
    const to = this.dir(newParent);
    const ino = from.entries!.get(name);
    if (ino === undefined) throw err('ENOENT');
    const n = this.node(ino);
    const victimIno = to.entries!.get(newName);
    const t = now();
    if (flags & RENAME_EXCHANGE) {
      if (victimIno === undefined) throw err('ENOENT');
      from.entries!.set(name, victimIno);
      to.entries!.set(newName, ino);
      from.mtime = from.ctime = to.mtime = to.ctime = t;
      return;
    }
    if (victimIno === ino) return;
    if (victimIno !== undefined) {
      if (flags & RENAME_NOREPLACE) throw err('EEXIST');
      const victim = this.node(victimIno);
      if (victim.entries && !n.entries) throw err('EISDIR');
      if (!victim.entries && n.entries) throw err('ENOTDIR');
      if (victim.entries?.size) throw err('ENOTEMPTY');
      if (victim.entries) to.nlink--;
      this.unlinkNode(victim);
    }
    from.entries!.delete(name);
    to.entries!.set(newName, ino);
    if (n.entries && from !== to) {
      from.nlink--;
      to.nlink++;
      n.parent = to.ino;
    }
    n.ctime = t;
    from.mtime = from.ctime = to.mtime = to.ctime = t;
  }

  link(req: Request, ino: number, newParent: number, newName: string): Entry {
    this.count('link', req);
    const n = this.node(ino);
    if (n.entries) throw err('EPERM');
    const p = this.dir(newParent);
    if (p.entries!.has(newName)) throw err('EEXIST');
    p.entries!.set(newName, ino);
    n.nlink++;
    n.ctime = p.mtime = p.ctime = now();
    return this.entry(n);
  }

  // ---- files --------------------------------------------------------------------------------
  private opened(n: Node): OpenReply {
    n.opens++;
    return { fh: this.nextFh++, keepCache: this.o.keepCache };
  }

  open(req: Request, ino: number, flags: number): OpenReply {
    this.count('open', req);
    const n = this.node(ino);
    if (flags & constants.O_TRUNC) this.resize(n, 0);
    return this.opened(n);
  }

  create(req: Request, parent: number, name: string, mode: number): CreateReply {
    this.count('create', req);
    const n = this.newNode(req, this.dir(parent), name, S_IFREG | (mode & 0o7777));
    return { ...this.entry(n), ...this.opened(n) };
  }

  async read(req: Request, ino: number, size: number, offset: number): Promise<Buffer> {
    this.count('read', req);
    this.readSizes.push(size);
    const n = this.node(ino);
    await this.hold('read', n.name, req);
    return n.data.subarray(Math.min(offset, n.size), Math.min(offset + size, n.size));
  }

  private writeAt(n: Node, offset: number, bytes: Uint8Array): number {
    if (offset + bytes.length > n.size) this.resize(n, offset + bytes.length);
    n.data.set(bytes, offset);
    n.mtime = n.ctime = now();
    return bytes.length;
  }

  write(req: Request, ino: number, data: Buffer, offset: number, _fh: number, _info: WriteInfo): number | Promise<number> {
    this.count('write', req);
    this.writeSizes.push(data.length);
    const delay = this.o.writeDelayMs;
    if (!delay) return this.writeAt(this.node(ino), offset, data);
    return new Promise((resolve) => {
      // other requests are received and answered meanwhile: this one's data must stay as it came
      setTimeout(() => {
        resolve(this.writeAt(this.node(ino), offset, data));
        setImmediate(() => {
          if (data.length === 0) this.detachedAfterReply++;
        });
      }, Math.random() * delay);
    });
  }

  flush(req: Request, ino: number, _fh: number, lockOwner: bigint): void {
    this.count('flush', req);
    // a close drops the closing process's record locks on the file (POSIX)
    this.dropPosixLocks(ino, lockOwner);
  }

  release(req: Request, ino: number, _fh: number, info: ReleaseInfo): void {
    this.count('release', req);
    const n = this.node(ino);
    if (info.flockRelease) this.dropFlock(ino, info.lockOwner);
    n.opens--;
    this.maybeFree(n);
  }

  fsync(req: Request): void {
    this.count('fsync', req);
  }

  fallocate(req: Request, ino: number, mode: number, offset: number, length: number): void {
    this.count('fallocate', req);
    if (mode !== 0) throw err('ENOTSUP');
    const n = this.node(ino);
    if (offset + length > n.size) this.resize(n, offset + length);
  }

  copyFileRange(req: Request, inoIn: number, offIn: number, _fhIn: number, inoOut: number, offOut: number, _fhOut: number, len: number): number {
    this.count('copyFileRange', req);
    const src = this.node(inoIn);
    return this.writeAt(this.node(inoOut), offOut, Buffer.from(src.data.subarray(Math.min(offIn, src.size), Math.min(offIn + len, src.size))));
  }

  lseek(req: Request, ino: number, offset: number, whence: number): number {
    this.count('lseek', req);
    const n = this.node(ino);
    if (offset >= n.size) throw err('ENXIO');
    if (whence === SEEK_DATA) return offset;
    if (whence === SEEK_HOLE) return n.size;
    throw err('EINVAL');
  }

  // ---- directories -------------------------------------------------------------------------
  opendir(req: Request, ino: number): OpenReply {
    this.count('opendir', req);
    const n = this.dir(ino);
    const fh = this.nextFh++;
    this.dirSnapshots.set(fh, ['.', '..', ...n.entries!.keys()]);
    return { fh };
  }

  private listing(ino: number, fh: number): { dir: Node; names: string[] } {
    const dir = this.dir(ino);
    return { dir, names: this.dirSnapshots.get(fh) ?? ['.', '..', ...dir.entries!.keys()] };
  }

  private child(dir: Node, name: string): Node | undefined {
    if (name === '.') return dir;
    if (name === '..') return this.nodes.get(dir.parent);
    const ino = dir.entries!.get(name);
    return ino === undefined ? undefined : this.nodes.get(ino);
  }

  readdir(req: Request, ino: number, fh: number, offset: number, out: DirOut<DirEntry>): void {
    this.count('readdir', req);
    const { dir, names } = this.listing(ino, fh);
    for (let i = offset; i < names.length; i++) {
      const c = this.child(dir, names[i]);
      if (!c) continue; // removed since the listing began
      if (!out.add({ name: names[i], ino: c.ino, mode: c.mode, next: i + 1 })) break;
    }
  }

  readdirplus(req: Request, ino: number, fh: number, offset: number, out: DirOut<DirPlusEntry>): void {
    this.count('readdirplus', req);
    const { dir, names } = this.listing(ino, fh);
    for (let i = offset; i < names.length; i++) {
      const c = this.child(dir, names[i]);
      if (!c) continue;
      const dot = names[i] === '.' || names[i] === '..';
      const e: Entry = { ino: c.ino, attr: this.attr(c), attrTimeout: this.o.attrTimeout ?? 0, entryTimeout: this.o.entryTimeout ?? 0 };
      if (!out.add({ name: names[i], entry: e, next: i + 1 })) break;
      if (!dot) c.lookups++;
    }
  }

  releasedir(req: Request, _ino: number, fh: number): void {
    this.count('releasedir', req);
    this.dirSnapshots.delete(fh);
  }

  fsyncdir(req: Request): void {
    this.count('fsyncdir', req);
  }

  statfs(req: Request): StatfsReply {
    this.count('statfs', req);
    return { bsize: 4096, blocks: 1 << 20, bfree: 1 << 19, bavail: 1 << 18, files: 1 << 16, ffree: (1 << 16) - this.nodes.size, namemax: 255 };
  }

  access(req: Request, ino: number): void {
    this.count('access', req);
    this.node(ino);
  }

  // ---- extended attributes ---------------------------------------------------------------------
  setxattr(req: Request, ino: number, name: string, value: Buffer, flags: number): void {
    this.count('setxattr', req);
    const n = this.node(ino);
    if (flags & XATTR_CREATE && n.xattrs.has(name)) throw err('EEXIST');
    if (flags & XATTR_REPLACE && !n.xattrs.has(name)) throw err('ENODATA');
    n.xattrs.set(name, Buffer.from(value));
    n.ctime = now();
  }

  getxattr(req: Request, ino: number, name: string): Buffer {
    this.count('getxattr', req);
    const v = this.node(ino).xattrs.get(name);
    if (!v) throw err('ENODATA');
    return v;
  }

  listxattr(req: Request, ino: number): string[] {
    this.count('listxattr', req);
    return [...this.node(ino).xattrs.keys()];
  }

  removexattr(req: Request, ino: number, name: string): void {
    this.count('removexattr', req);
    if (!this.node(ino).xattrs.delete(name)) throw err('ENODATA');
  }

  // ---- locks ----------------------------------------------------------------------------------
  private conflict(ino: number, owner: bigint, l: { type: number; start: number; end: number }): RecordLock | undefined {
    return (this.posixLocks.get(ino) ?? []).find((h) => h.owner !== owner && h.start <= l.end && l.start <= h.end && (h.type !== F_RDLCK || l.type !== F_RDLCK));
  }

  private lockChanged(): void {
    const waiting = this.lockWaiters;
    this.lockWaiters = [];
    for (const w of waiting) w();
  }

  /** Waits until the locks change, or throws EINTR when the kernel interrupts the request. */
  private waitForLocks(req: Request, ino: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (req.signal.aborted) return reject(err('EINTR'));
      const onAbort = (): void => {
        this.interrupts++;
        reject(err('EINTR', 'lock wait interrupted'));
      };
      req.signal.addEventListener('abort', onAbort, { once: true });
      this.lockWaiters.push(() => {
        req.signal.removeEventListener('abort', onAbort);
        resolve();
      });
      this.onHeld(`lock:${this.node(ino).name}`);
    });
  }

  private dropPosixLocks(ino: number, owner: bigint): void {
    const list = this.posixLocks.get(ino);
    if (!list?.some((l) => l.owner === owner)) return;
    this.posixLocks.set(
      ino,
      list.filter((l) => l.owner !== owner),
    );
    this.lockChanged();
  }

  private dropFlock(ino: number, owner: bigint): void {
    const list = this.flocks.get(ino);
    if (!list?.some((l) => l.owner === owner)) return;
    this.flocks.set(
      ino,
      list.filter((l) => l.owner !== owner),
    );
    this.lockChanged();
  }

  getlk(req: Request, ino: number, _fh: number, owner: bigint, lock: FileLock): FileLock {
    this.count('getlk', req);
    const end = lock.len === 0 ? Infinity : lock.start + lock.len - 1;
    const c = this.conflict(ino, owner, { type: lock.type, start: lock.start, end });
    if (!c) return { ...lock, type: F_UNLCK };
    return { type: c.type, start: c.start, len: c.end === Infinity ? 0 : c.end - c.start + 1, pid: c.pid };
  }

  async setlk(req: Request, ino: number, _fh: number, owner: bigint, lock: FileLock, wait: boolean): Promise<void> {
    this.count('setlk', req);
    const end = lock.len === 0 ? Infinity : lock.start + lock.len - 1;
    if (lock.type === F_UNLCK) {
      // a simplification that the tests do not reach: any lock of the owner overlapping the range goes whole
      const list = this.posixLocks.get(ino) ?? [];
      this.posixLocks.set(
        ino,
        list.filter((l) => l.owner !== owner || l.end < lock.start || end < l.start),
      );
      this.lockChanged();
      return;
    }
    const want = { type: lock.type, start: lock.start, end };
    while (this.conflict(ino, owner, want)) {
      if (!wait) throw err('EAGAIN');
      await this.waitForLocks(req, ino);
    }
    const list = (this.posixLocks.get(ino) ?? []).filter((l) => l.owner !== owner || l.end < lock.start || end < l.start);
    list.push({ owner, ...want, pid: lock.pid });
    this.posixLocks.set(ino, list);
  }

  async flock(req: Request, ino: number, _fh: number, owner: bigint, op: number): Promise<void> {
    this.count('flock', req);
    if (op & LOCK_UN) {
      this.dropFlock(ino, owner);
      return;
    }
    const shared = (op & LOCK_SH) !== 0;
    const blocked = (): boolean => (this.flocks.get(ino) ?? []).some((l) => l.owner !== owner && (!shared || !l.shared));
    while (blocked()) {
      if (op & LOCK_NB) throw err('EAGAIN');
      await this.waitForLocks(req, ino);
    }
    this.flocks.set(ino, [...(this.flocks.get(ino) ?? []).filter((l) => l.owner !== owner), { owner, shared }]);
  }
}
