// The client library's side of the by-inode mount (src/client/mount-api.ts): each call of the
// FUSE layer is one ino.* call to the master, naming inodes with their tickets; files are the
// client's shared open files (open-file.ts). The mount's session with the master says, on
// every connection, who the mount is (an id that outlives reconnects), which files it holds
// open (so that a file whose last name goes elsewhere lives on for it, and a master restart
// does not lose that), and that it wants to hear of changes made elsewhere to what it was
// told, which the master pushes as `inval` and the FUSE layer passes to the kernel; the
// answer to `inval` goes once the kernel has taken it, and the change's maker waits for it.
import { randomBytes } from 'node:crypto';
import type { AttrUpdate, BackendLock, DirPage, EntryInfo, Invalidation, MountBackend, MountFile, NodeRef } from './mount-api.js';
import type { Attr, FileType, StatFs } from '../protocol/types.js';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { DfsClient } from './client.js';
import type { FileHandle } from './file-handle.js';
import type { OpenFlags } from './types.js';

/** How often a mount whose channel broke dials the master again (it must, to hear of changes). */
const REDIAL_MS = [100, 250, 500, 1000, 2000];

export class ClientMountBackend implements MountBackend {
  /** This mount's id at the master, the same across reconnects: what its holds are kept under. */
  readonly id = randomBytes(12).toString('base64url');
  /** Files open here, by inode: the handles, and the ticket that names the inode. */
  private readonly held = new Map<number, { handles: number; ticket: string }>();
  private readonly invalidationListeners: ((change: Invalidation) => void | Promise<void>)[] = [];
  private readonly channelListeners: ((up: boolean) => void)[] = [];
  private closed = false;
  private attached?: Promise<void>;
  private redial?: NodeJS.Timeout;
  private keepalive?: NodeJS.Timeout;
  private redials = 0;

  constructor(
    private readonly client: DfsClient,
    private readonly readdirPage: number = DEFAULTS.readdirPage,
    private readonly keepaliveMs: number = DEFAULTS.mountKeepaliveMs,
  ) {}

  /** Says to the master, once, that this client is a mount's session. */
  private session(): Promise<void> {
    this.attached ??= this.client.attachSession({
      hello: () => ({ id: this.id, invalidations: true, holds: [...this.held].map(([ino, h]) => ({ ino, ticket: h.ticket })) }),
      invalidated: async (changes) => {
        if (this.closed) return;
        const taken: Promise<void>[] = [];
        for (const ch of changes) {
          // a file open here reads what the other client wrote from now on (its block list anew)
          if (ch.kind === 'inode') taken.push(this.client.inodeChanged(ch.ino).catch(() => undefined));
          for (const l of this.invalidationListeners) taken.push(Promise.resolve(l(ch)));
        }
        await Promise.all(taken);
      },
      channel: (up) => this.channel(up),
    });
    // an idle mount still speaks now and then: the master closes silent connections
    this.keepalive ??= setInterval(() => {
      if (!this.closed && this.client.master.connected) this.client.ping().catch(() => undefined);
    }, this.keepaliveMs);
    this.keepalive.unref();
    return this.attached;
  }

  private channel(up: boolean): void {
    if (this.closed) return;
    for (const l of this.channelListeners) l(up);
    if (up) {
      this.redials = 0;
      return;
    }
    // nobody tells a mount of changes while it is away: it dials again at once, not at its next call
    const dial = (): void => {
      this.redial = undefined;
      if (this.closed || this.client.master.connected) return;
      this.client.master.connect().catch(() => {
        if (this.closed) return;
        this.redial = setTimeout(dial, REDIAL_MS[Math.min(this.redials++, REDIAL_MS.length - 1)]);
        this.redial.unref();
      });
    };
    this.redial ??= setTimeout(dial, 0);
  }

  private entry(r: { attr: Attr; ticket: string }): EntryInfo {
    return { attr: this.client.overlay(r.attr), ticket: r.ticket };
  }

  async root(): Promise<EntryInfo> {
    await this.session();
    return this.entry(await this.client.call('ino.root', {}));
  }

  async lookup(parent: NodeRef, name: string): Promise<EntryInfo> {
    return this.entry(await this.client.call('ino.lookup', { parent: parent.ino, pticket: parent.ticket, name }));
  }

  async getattr(node: NodeRef): Promise<Attr> {
    return this.client.overlay((await this.client.call('ino.getattr', { ino: node.ino, ticket: node.ticket })).attr);
  }

  async setattr(node: NodeRef, u: AttrUpdate): Promise<Attr> {
    // the commit of what is written here stamps mtime: it must land before the times set now
    // (cp -p and tar x set them on the open file before they close it)
    if (u.atime !== undefined || u.mtime !== undefined) await this.client.flushInode(node.ino);
    const r = await this.client.call('ino.setattr', { ino: node.ino, ticket: node.ticket, mode: u.mode, uid: u.uid, gid: u.gid, atime: u.atime, mtime: u.mtime });
    return this.client.attrChanged(r.attr);
  }

  async readdir(dir: NodeRef, cursor?: string): Promise<DirPage> {
    const r = await this.client.call('ino.readdir', { ino: dir.ino, ticket: dir.ticket, limit: this.readdirPage, cursor });
    return { parent: r.parent, entries: r.entries.map((e) => ({ name: e.name, attr: this.client.overlay(e.attr), ticket: e.ticket })), cursor: r.cursor };
  }

  async mkdir(parent: NodeRef, name: string, mode: number): Promise<EntryInfo> {
    return this.entry(await this.client.call('ino.mkdir', { parent: parent.ino, pticket: parent.ticket, name, mode }));
  }

  async symlink(parent: NodeRef, name: string, target: string): Promise<EntryInfo> {
    return this.entry(await this.client.call('ino.symlink', { parent: parent.ino, pticket: parent.ticket, name, target }));
  }

  async mknod(parent: NodeRef, name: string, type: FileType, mode: number, rdev: number): Promise<EntryInfo> {
    return this.entry(await this.client.call('ino.mknod', { parent: parent.ino, pticket: parent.ticket, name, type, mode, rdev }));
  }

  async readlink(node: NodeRef): Promise<string> {
    return (await this.client.call('ino.readlink', { ino: node.ino, ticket: node.ticket })).target;
  }

  async unlink(parent: NodeRef, name: string): Promise<void> {
    await this.client.call('ino.unlink', { parent: parent.ino, pticket: parent.ticket, name });
  }

  async rmdir(parent: NodeRef, name: string): Promise<void> {
    await this.client.call('ino.rmdir', { parent: parent.ino, pticket: parent.ticket, name });
  }

  async rename(parent: NodeRef, name: string, newParent: NodeRef, newName: string, flags: number): Promise<void> {
    await this.client.call('ino.rename', { parent: parent.ino, pticket: parent.ticket, name, newParent: newParent.ino, newPticket: newParent.ticket, newName, flags });
  }

  async link(node: NodeRef, newParent: NodeRef, newName: string): Promise<EntryInfo> {
    return this.entry(await this.client.call('ino.link', { ino: node.ino, ticket: node.ticket, newParent: newParent.ino, newPticket: newParent.ticket, newName }));
  }

  getxattr(node: NodeRef, name: string): Promise<Buffer> {
    return this.client.getxattr(node, name);
  }

  listxattr(node: NodeRef): Promise<string[]> {
    return this.client.listxattr(node);
  }

  setxattr(node: NodeRef, name: string, value: Buffer, flags: number): Promise<void> {
    return this.client.setxattr(node, name, value, flags);
  }

  removexattr(node: NodeRef, name: string): Promise<void> {
    return this.client.removexattr(node, name);
  }

  private owner(owner: bigint): string {
    return `${this.id}:${owner}`;
  }

  /** Asks again while the master answers "still locked" to a wait, until held or `signal` aborts (then the slice under way is cancelled). */
  private async waitFor(take: (id: string | undefined) => Promise<void>, wait: boolean, signal?: AbortSignal): Promise<void> {
    if (!wait) return take(undefined);
    const id = randomBytes(6).toString('base64url');
    const cancel = (): void => void this.client.call('ino.lockcancel', { id }).catch(() => undefined);
    signal?.addEventListener('abort', cancel);
    try {
      for (;;) {
        if (signal?.aborted) throw new DfsError('EINTR', 'interrupted while waiting for a lock');
        try {
          return await take(id);
        } catch (err) {
          if ((err as DfsError).code !== 'EAGAIN') throw err;
        }
      }
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  async setlk(node: NodeRef, owner: bigint, lock: BackendLock, wait: boolean, signal?: AbortSignal): Promise<void> {
    const { type, start, end, pid } = lock;
    await this.waitFor(
      (id) => this.client.call('ino.setlk', { ino: node.ino, ticket: node.ticket, owner: this.owner(owner), type, start, end: end === Infinity ? -1 : end, pid, wait, id }),
      wait,
      signal,
    );
  }

  async getlk(node: NodeRef, owner: bigint, lock: BackendLock): Promise<BackendLock> {
    const r = await this.client.call('ino.getlk', {
      ino: node.ino,
      ticket: node.ticket,
      owner: this.owner(owner),
      type: lock.type,
      start: lock.start,
      end: lock.end === Infinity ? -1 : lock.end,
    });
    return { type: r.type, start: r.start, end: r.end === -1 ? Infinity : r.end, pid: r.pid };
  }

  async flock(node: NodeRef, owner: bigint, op: 'sh' | 'ex' | 'un', wait: boolean, signal?: AbortSignal): Promise<void> {
    await this.waitFor((id) => this.client.call('ino.flock', { ino: node.ino, ticket: node.ticket, owner: this.owner(owner), op, wait, id }), wait, signal);
  }

  async unlock(node: NodeRef, owner: bigint, kind: 'posix' | 'flock'): Promise<void> {
    await this.client.call('ino.unlock', { ino: node.ino, ticket: node.ticket, owner: this.owner(owner), kind });
  }

  async access(node: NodeRef, mask: number): Promise<void> {
    await this.client.call('ino.access', { ino: node.ino, ticket: node.ticket, mode: mask });
  }

  async open(node: NodeRef, flags: OpenFlags): Promise<MountFile> {
    const info = await this.client.call('ino.open', {
      ino: node.ino,
      ticket: node.ticket,
      read: flags.read,
      write: flags.write,
      truncate: flags.truncate ?? false,
      allocate: flags.write ? 1 : 0,
    });
    return this.file(await this.client.adopt(info, flags), info.ticket);
  }

  async create(parent: NodeRef, name: string, mode: number, flags: OpenFlags & { exclusive: boolean }): Promise<{ entry: EntryInfo; file: MountFile }> {
    const info = await this.client.call('ino.create', {
      parent: parent.ino,
      pticket: parent.ticket,
      name,
      mode,
      exclusive: flags.exclusive,
      truncate: flags.truncate ?? false,
      allocate: 1,
    });
    const file = this.file(await this.client.adopt(info, { ...flags, write: true }), info.ticket);
    return { entry: { attr: file.getattr(), ticket: info.ticket }, file };
  }

  /** A handle the FUSE layer closes once (its release); the last close here tells the master the file is not held any more. */
  private file(h: FileHandle, ticket: string): MountFile {
    const ino = h.ino;
    const held = this.held.get(ino);
    if (held) held.handles++;
    else this.held.set(ino, { handles: 1, ticket });
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      try {
        await h.close();
      } finally {
        const now = this.held.get(ino);
        if (now && --now.handles === 0) {
          this.held.delete(ino);
          if (!this.closed) await this.client.call('fs.release', { ino, ticket: now.ticket }).catch(() => undefined);
        }
      }
    };
    return {
      ino,
      flags: h.flags,
      readInto: (pos, dst) => h.readInto(pos, dst),
      write: (pos, data) => h.write(pos, data),
      truncate: (size) => h.truncate(size),
      zero: (pos, length) => h.zero(pos, length),
      maxSize: h.maxSize,
      flush: () => h.flush(),
      fsync: () => h.fsync(),
      close,
      getattr: () => h.getattr(),
    };
  }

  statfs(): Promise<StatFs> {
    return this.client.statfs();
  }

  onInvalidate(listener: (change: Invalidation) => void | Promise<void>): void {
    this.invalidationListeners.push(listener);
  }

  onChannel(listener: (up: boolean) => void): void {
    this.channelListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.redial) clearTimeout(this.redial);
    if (this.keepalive) clearInterval(this.keepalive);
    this.client.close();
  }
}
