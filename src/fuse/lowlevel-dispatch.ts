// The kernel's requests to a low-level FUSE session (lowlevel.ts), each turned into a call
// of the file system's operation (lowlevel-ops.ts) and its answer into the addon's reply:
// at once for a value, when it settles for a promise, as an errno for a failure (errno.ts).
// Requests still unanswered are kept by id, so the kernel's interrupts reach them and the
// end of the session aborts them.
import { DfsError, toDfsError } from '../rpc/errors.js';
import { fuseErrno, type Log } from './errno.js';
import { DirBuffer, DirPlusBuffer } from './lowlevel-dir.js';
import { ATTR_REPLY_LEN, ENTRY_LEN, LOCK_LEN, OPEN_BITS, SET_ATTR, STATFS_LEN, packAttrReply, packLock, packStatfs, putEntry } from './lowlevel-layout.js';
import type { LowLevelAddon, NativeHandlers } from './lowlevel-native.js';
import type { Answer, AttrChanges, AttrReply, Entry, FileLock, LowLevelOps, NegativeEntry, OpenReply, Request, Timespec } from './lowlevel-ops.js';

const ERANGE = 34;

class FuseRequest implements Request {
  interrupted = false;
  private controller?: AbortController;
  private groupList?: readonly number[];

  constructor(
    private readonly addon: LowLevelAddon,
    readonly id: number,
    readonly uid: number,
    readonly gid: number,
    readonly pid: number,
  ) {}

  groups(): readonly number[] {
    if (!this.groupList) {
      try {
        this.groupList = Object.freeze(this.addon.groups(this.id));
      } catch (err) {
        throw toDfsError(err);
      }
    }
    return this.groupList;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(reason: DfsError): void {
    this.interrupted ||= reason.code === 'EINTR';
    // made now if nobody asked for it yet, so that a later look at `signal` sees it aborted
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }
}

function isPromise<T>(v: Answer<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

function timespec(sec: number, nsec: number): Timespec {
  return { sec, nsec };
}

function openBits(o: OpenReply): number {
  return (
    (o.directIo ? OPEN_BITS.directIo : 0) |
    (o.keepCache ? OPEN_BITS.keepCache : 0) |
    (o.nonseekable ? OPEN_BITS.nonseekable : 0) |
    (o.cacheReaddir ? OPEN_BITS.cacheReaddir : 0) |
    (o.noflush ? OPEN_BITS.noflush : 0)
  );
}

export class RequestDispatch {
  /** Requests answered later, by id: the kernel's interrupts for them are routed here. */
  private readonly pending = new Map<number, FuseRequest>();
  // scratch arrays: the addon reads them during the reply call
  private readonly entryOut = new Float64Array(ENTRY_LEN);
  private readonly attrOut = new Float64Array(ATTR_REPLY_LEN);
  private readonly statfsOut = new Float64Array(STATFS_LEN);
  private readonly lockOut = new Float64Array(LOCK_LEN);

  constructor(
    private readonly addon: LowLevelAddon,
    private readonly ops: LowLevelOps,
    private readonly log: Log,
  ) {}

  /** The kernel interrupted request `id` (nothing when it has been answered already). */
  interrupt(id: number, reason: DfsError): void {
    this.pending.get(id)?.abort(reason);
  }

  /** The session ended: every request still unanswered is aborted with `reason` (their answers are dropped). */
  abortAll(reason: DfsError): void {
    for (const req of this.pending.values()) req.abort(reason);
    this.pending.clear();
  }

  private fail(id: number, op: string, err: unknown): void {
    this.addon.replyErr(id, -fuseErrno(err, this.log, `FUSE ${op}`));
  }

  /** Runs one operation and answers it with `reply`, now or when its promise settles; errors answer as errnos. */
  private run<T>(req: FuseRequest, op: string, work: () => Answer<T>, reply: (v: T) => unknown): void {
    let result: Answer<T>;
    try {
      result = work();
    } catch (err) {
      this.fail(req.id, op, err);
      return;
    }
    if (!isPromise(result)) {
      this.answer(req, op, reply, result);
      return;
    }
    this.pending.set(req.id, req);
    result.then(
      (v) => {
        this.pending.delete(req.id);
        this.answer(req, op, reply, v);
      },
      (err: unknown) => {
        this.pending.delete(req.id);
        this.fail(req.id, op, err);
      },
    );
  }

  private answer<T>(req: FuseRequest, op: string, reply: (v: T) => unknown, v: T): void {
    try {
      reply(v);
    } catch (err) {
      // a malformed answer (a missing field): the kernel gets EIO and the log says why
      this.fail(req.id, op, err);
    }
  }

  private entry(id: number, e: Entry | NegativeEntry): void {
    putEntry(this.entryOut, 0, e);
    this.addon.replyEntry(id, this.entryOut);
  }

  private attr(id: number, a: AttrReply): void {
    this.addon.replyAttr(id, packAttrReply(this.attrOut, a.attr, a.timeout));
  }

  /**
   * The addon's handler for an operation whose arguments after the caller's identity are
   * those of the file system's own: a request object, the call, and `reply` with the answer.
   */
  private wire<A extends unknown[], T>(
    op: string,
    f: ((req: Request, ...a: A) => Answer<T>) | undefined,
    reply: (id: number, v: T) => unknown,
  ): ((id: number, uid: number, gid: number, pid: number, ...a: A) => void) | undefined {
    if (!f) return undefined;
    return (id, uid, gid, pid, ...a) => {
      const req = new FuseRequest(this.addon, id, uid, gid, pid);
      this.run(
        req,
        op,
        () => f(req, ...a),
        (v) => reply(id, v),
      );
    };
  }

  /** The addon's handler for each operation the file system has. */
  handlers(): NativeHandlers {
    const ops = this.ops;
    const addon = this.addon;
    const rq = (id: number, uid: number, gid: number, pid: number): FuseRequest => new FuseRequest(addon, id, uid, gid, pid);
    const entry = (id: number, e: Entry | NegativeEntry): void => this.entry(id, e);
    const attr = (id: number, a: AttrReply): void => this.attr(id, a);
    const done = (id: number): void => void addon.replyErr(id, 0);
    const opened = (id: number, o: OpenReply): void => void addon.replyOpen(id, o.fh, openBits(o));
    const h: NativeHandlers = {
      lookup: this.wire('lookup', ops.lookup?.bind(ops), entry),
      readlink: this.wire('readlink', ops.readlink?.bind(ops), (id, target) => addon.replyReadlink(id, target)),
      mknod: this.wire('mknod', ops.mknod?.bind(ops), entry),
      mkdir: this.wire('mkdir', ops.mkdir?.bind(ops), entry),
      unlink: this.wire('unlink', ops.unlink?.bind(ops), done),
      rmdir: this.wire('rmdir', ops.rmdir?.bind(ops), done),
      symlink: this.wire('symlink', ops.symlink?.bind(ops), entry),
      rename: this.wire('rename', ops.rename?.bind(ops), done),
      link: this.wire('link', ops.link?.bind(ops), entry),
      open: this.wire('open', ops.open?.bind(ops), opened),
      opendir: this.wire('opendir', ops.opendir?.bind(ops), opened),
      read: this.wire('read', ops.read?.bind(ops), (id, data) => addon.replyData(id, data)),
      flush: this.wire('flush', ops.flush?.bind(ops), done),
      fsync: this.wire('fsync', ops.fsync?.bind(ops), done),
      fsyncdir: this.wire('fsyncdir', ops.fsyncdir?.bind(ops), done),
      releasedir: this.wire('releasedir', ops.releasedir?.bind(ops), done),
      statfs: this.wire('statfs', ops.statfs?.bind(ops), (id, st) => addon.replyStatfs(id, packStatfs(this.statfsOut, st))),
      setxattr: this.wire('setxattr', ops.setxattr?.bind(ops), done),
      removexattr: this.wire('removexattr', ops.removexattr?.bind(ops), done),
      access: this.wire('access', ops.access?.bind(ops), done),
      create: this.wire('create', ops.create?.bind(ops), (id, c) => {
        putEntry(this.entryOut, 0, c);
        addon.replyCreate(id, this.entryOut, c.fh, openBits(c));
      }),
      flock: this.wire('flock', ops.flock?.bind(ops), done),
      fallocate: this.wire('fallocate', ops.fallocate?.bind(ops), done),
      copyFileRange: this.wire('copyFileRange', ops.copyFileRange?.bind(ops), (id, n) => addon.replyWrite(id, n)),
      lseek: this.wire('lseek', ops.lseek?.bind(ops), (id, off) => addon.replyLseek(id, off)),
    };

    // the rest take their arguments in a shape of their own
    if (ops.forget) {
      const f = ops.forget.bind(ops);
      h.forget = (pairs) => {
        for (let i = 0; i < pairs.length; i += 2) {
          try {
            f(pairs[i], pairs[i + 1]);
          } catch (err) {
            fuseErrno(err, this.log, 'FUSE forget');
          }
        }
      };
    }
    if (ops.getattr) {
      const f = ops.getattr.bind(ops);
      h.getattr = (id, uid, gid, pid, ino, fh) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'getattr',
          () => f(req, ino, fh < 0 ? undefined : fh),
          (a) => attr(id, a),
        );
      };
    }
    if (ops.setattr) {
      const f = ops.setattr.bind(ops);
      h.setattr = (id, uid, gid, pid, ino, valid, fh, mode, auid, agid, size, as, ans, ms, mns, cs, cns) => {
        const req = rq(id, uid, gid, pid);
        const c: AttrChanges = {};
        if (valid & SET_ATTR.mode) c.mode = mode;
        if (valid & SET_ATTR.uid) c.uid = auid;
        if (valid & SET_ATTR.gid) c.gid = agid;
        if (valid & SET_ATTR.size) c.size = size;
        if (valid & SET_ATTR.atime) c.atime = valid & SET_ATTR.atimeNow ? 'now' : timespec(as, ans);
        if (valid & SET_ATTR.mtime) c.mtime = valid & SET_ATTR.mtimeNow ? 'now' : timespec(ms, mns);
        if (valid & SET_ATTR.ctime) c.ctime = timespec(cs, cns);
        if (valid & SET_ATTR.killSuid) c.killSuid = true;
        if (valid & SET_ATTR.killSgid) c.killSgid = true;
        this.run(
          req,
          'setattr',
          () => f(req, ino, c, fh < 0 ? undefined : fh),
          (a) => attr(id, a),
        );
      };
    }
    if (ops.write) {
      const f = ops.write.bind(ops);
      h.write = (id, uid, gid, pid, ino, data, offset, fh, flags, lockOwner, writepage) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'write',
          () => f(req, ino, data, offset, fh, { flags, lockOwner, writepage }),
          (n) => {
            if (!Number.isSafeInteger(n) || n < 0 || n > data.length) throw new DfsError('EIO', `write answered ${n} of ${data.length} bytes`);
            addon.replyWrite(id, n);
          },
        );
      };
    }
    if (ops.release) {
      const f = ops.release.bind(ops);
      h.release = (id, uid, gid, pid, ino, fh, flags, flush, flockRelease, lockOwner) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'release',
          () => f(req, ino, fh, { flags, flush, flockRelease, lockOwner }),
          () => done(id),
        );
      };
    }
    if (ops.readdir) {
      const f = ops.readdir.bind(ops);
      h.readdir = (id, uid, gid, pid, ino, fh, offset, size) => {
        const req = rq(id, uid, gid, pid);
        const out = new DirBuffer(size);
        this.run(
          req,
          'readdir',
          () => f(req, ino, fh, offset, out),
          () => addon.replyDir(id, false, out.count, out.names, out.packed()),
        );
      };
    }
    if (ops.readdirplus) {
      const f = ops.readdirplus.bind(ops);
      h.readdirplus = (id, uid, gid, pid, ino, fh, offset, size) => {
        const req = rq(id, uid, gid, pid);
        const out = new DirPlusBuffer(size);
        this.run(
          req,
          'readdirplus',
          () => f(req, ino, fh, offset, out),
          () => {
            const sent = addon.replyDir(id, true, out.count, out.names, out.packed());
            // the file system counted a lookup for every entry it added: they must all have gone
            if (sent !== false && sent !== out.count) this.log(`dfs: readdirplus sent ${sent} of ${out.count} entries; lookup counts are off`);
          },
        );
      };
    }
    if (ops.getxattr) {
      const f = ops.getxattr.bind(ops);
      h.getxattr = (id, uid, gid, pid, ino, name, size) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'getxattr',
          () => f(req, ino, name),
          (value) => this.sized(id, size, value),
        );
      };
    }
    if (ops.listxattr) {
      const f = ops.listxattr.bind(ops);
      h.listxattr = (id, uid, gid, pid, ino, size) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'listxattr',
          () => f(req, ino),
          (names) => this.sized(id, size, Buffer.from(names.map((n) => `${n}\0`).join(''))),
        );
      };
    }
    const lock = (type: number, start: number, len: number, lockPid: number): FileLock => ({ type, start, len, pid: lockPid });
    if (ops.getlk) {
      const f = ops.getlk.bind(ops);
      h.getlk = (id, uid, gid, pid, ino, fh, owner, type, _whence, start, len, lockPid) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'getlk',
          () => f(req, ino, fh, owner, lock(type, start, len, lockPid)),
          (l) => addon.replyLock(id, packLock(this.lockOut, l)),
        );
      };
    }
    if (ops.setlk) {
      const f = ops.setlk.bind(ops);
      h.setlk = (id, uid, gid, pid, ino, fh, owner, type, _whence, start, len, lockPid, sleep) => {
        const req = rq(id, uid, gid, pid);
        this.run(
          req,
          'setlk',
          () => f(req, ino, fh, owner, lock(type, start, len, lockPid), sleep),
          () => done(id),
        );
      };
    }
    return h;
  }

  /** getxattr and listxattr: a probe (size 0) gets the length, a short buffer ERANGE. */
  private sized(id: number, size: number, value: Uint8Array): void {
    if (size === 0) this.addon.replyXattrSize(id, value.byteLength);
    else if (value.byteLength > size) this.addon.replyErr(id, ERANGE);
    else this.addon.replyData(id, value);
  }
}
