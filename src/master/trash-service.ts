// Removing with a trash: what `rm` in a mount (fs.unlink, fs.rmdir) and `dfs rm` (fs.remove)
// do, and `dfs trash list|restore|purge`. Removed items keep their blocks, so their space
// stays used and counted, until the master purges them after the retention time
// (`dfs master --trash-days`; 0 turns the trash off). State and records: trash-bin.ts.
//
// Who may do what: an item may be listed, restored and purged by whoever removed it, its
// owner, and admins; a restore also needs write permission where it goes, as creating a
// name there would. Inside the trash nothing new may be made: the only ways out are a
// restore (or, for an admin in a mount, `mv` out of /.trash, which is one) and a purge.
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { bool, optStr, str } from '../rpc/params.js';
import type { TrashItem } from '../protocol/types.js';
import type { ParentResolved, PathResolver } from './resolve.js';
import type { MasterContext, MasterHandlers } from './context.js';
import { ROOT_INO, type Inode } from './namespace.js';
import { pathField, splitPath } from './paths.js';
import { allowed, isSuperuser, R_OK, stickyBlocks, W_OK, X_OK, type Caller } from './permissions.js';
import type { MutationRecord } from './records.js';
import { TRASH_NAME, trashName, treeSize, type TrashEntry } from './trash-bin.js';

/** Nothing new is made in the trash, and `/.trash` is no name for anything else. */
export function refuseNewName(m: MasterContext, dir: Inode, name: string): void {
  if (dir.ino === ROOT_INO && name === TRASH_NAME) throw new DfsError('EPERM', `${TRASH_NAME} at the root is the trash`);
  if (m.state.trash.holds(dir)) throw new DfsError('EPERM', 'nothing new can be made in the trash; `dfs trash restore` takes items out');
}

const normal = (p: string): string => '/' + splitPath(p).join('/');

/**
 * The record that removes `pr.existing` (checked by the caller): into the trash when it is
 * on and the item would otherwise be gone (a file's last name, a directory), for good when
 * it is already in the trash or asked to skip it, and a plain unlink for a hard link's
 * other names, whose data stays reachable.
 */
export function removal(m: MasterContext, c: Caller, pr: ParentResolved, p: string, skipTrash = false): MutationRecord {
  const node = pr.existing!;
  const time = Date.now();
  const bin = m.state.trash;
  if (bin.holds(pr.dir)) return { op: 'purge', parent: pr.dir.ino, name: pr.name, time };
  const lastName = node.type === 'dir' || node.nlink <= 1;
  if (!lastName) return { op: 'unlink', parent: pr.dir.ino, name: pr.name, time };
  if (skipTrash || m.config.trashMs <= 0 || bin.dirIno === undefined) {
    return node.type === 'dir' && node.entries!.size > 0 ? { op: 'purge', parent: pr.dir.ino, name: pr.name, time } : { op: 'unlink', parent: pr.dir.ino, name: pr.name, time };
  }
  let name = trashName(node.ino, pr.name);
  if (bin.entries.has(name)) name = trashName(node.ino, `${time}-${pr.name}`);
  return {
    op: 'trash',
    ino: node.ino,
    parent: pr.dir.ino,
    name: pr.name,
    trashName: name,
    path: normal(p),
    uid: c.uid,
    time,
    ...treeSize(m.state.ns, node),
  };
}

/** The record for `mv`: out of the trash it is a restore, which forgets the item's record too. */
export function renameRecord(m: MasterContext, src: ParentResolved, dst: ParentResolved, time: number): MutationRecord {
  refuseNewName(m, dst.dir, dst.name);
  if (src.dir.ino === m.state.trash.dirIno) return { op: 'restore', trashName: src.name, to: dst.dir.ino, toName: dst.name, time };
  return { op: 'rename', from: src.dir.ino, fromName: src.name, to: dst.dir.ino, toName: dst.name, time };
}

export function trashHandlers(m: MasterContext, paths: PathResolver): MasterHandlers {
  const ns = m.state.ns;
  const bin = m.state.trash;

  const deny = (what: string): never => {
    throw new DfsError('EACCES', `permission denied: ${what}`);
  };

  /**
   * What `rm -r` would need to empty the tree under `top`, checked before anything changes:
   * read, write and search on every non-empty directory, and no sticky bit in the way.
   */
  function checkTree(c: Caller, top: Inode, topPath: string): void {
    const stack: [Inode, string][] = [[top, topPath]];
    while (stack.length) {
      const [d, p] = stack.pop()!;
      if (d.entries!.size === 0) continue;
      if (!allowed(c, d, R_OK | W_OK | X_OK)) deny(`remove the entries of ${p}`);
      for (const [name, ino] of d.entries!) {
        const child = ns.get(ino)!;
        const childPath = path.posix.join(p, name);
        if (stickyBlocks(c, d, child)) throw new DfsError('EACCES', `sticky directory: only the owner may remove ${childPath}`);
        if (child.type === 'dir') stack.push([child, childPath]);
      }
    }
  }

  const mayHandle = (c: Caller, e: TrashEntry): boolean => isSuperuser(c) || e.uid === c.uid || ns.get(e.ino)?.uid === c.uid;

  /** The item named by `id` (its inode number, or its name in the trash), if this caller may handle it. */
  function itemOf(c: Caller, meta: Meta): TrashEntry {
    const id = str(meta, 'id', 300);
    const e = /^[0-9]+$/.test(id) ? bin.byIno(Number(id)) : bin.entries.get(id);
    if (!e || !mayHandle(c, e)) throw new DfsError('ENOENT', `no such item in the trash: ${id}`);
    return e;
  }

  function item(e: TrashEntry): TrashItem {
    const n = ns.get(e.ino)!;
    return {
      id: e.ino,
      trashPath: `/${TRASH_NAME}/${e.name}`,
      path: e.path,
      type: n.type,
      uid: n.uid,
      removedBy: e.uid,
      removed: e.time,
      purgeAt: e.time + m.config.trashMs,
      files: e.files,
      bytes: e.bytes,
    };
  }

  /** The path of directory `dir` in the tree, or undefined when it is gone or in the trash. */
  function pathOf(dir: Inode | undefined): string | undefined {
    const names: string[] = [];
    let cur = dir;
    while (cur && cur.ino !== ROOT_INO) {
      if (cur.type !== 'dir' || cur.ino === bin.dirIno || cur.parent === undefined) return undefined;
      const up = ns.get(cur.parent);
      const ino: number = cur.ino;
      const name = up?.entries ? [...up.entries].find(([, i]) => i === ino)?.[0] : undefined;
      if (name === undefined) return undefined;
      names.unshift(name);
      cur = up;
    }
    return cur ? '/' + names.join('/') : undefined;
  }

  /** Where a restore puts `e`: `--to` (into it when it is a directory), else where it was. */
  function restoreTarget(c: Caller, e: TrashEntry, to: string | undefined): ParentResolved & { path: string } {
    let target = to === undefined ? undefined : normal(to);
    if (target === undefined) {
      const dirPath = pathOf(ns.get(e.parent));
      if (dirPath === undefined) {
        throw new DfsError('ENOENT', `the directory ${path.posix.dirname(e.path)} is gone or in the trash: restore it first, or give a place (--to PATH)`);
      }
      target = path.posix.join(dirPath, e.origName);
    }
    let pr = paths.resolveParent(c, target);
    if (to !== undefined && pr.existing?.type === 'dir') {
      target = path.posix.join(target, e.origName);
      pr = paths.resolveParent(c, target);
    }
    if (pr.existing) throw new DfsError('EEXIST', `${target} exists: restore it elsewhere (--to PATH)`);
    refuseNewName(m, pr.dir, pr.name);
    return { ...pr, path: target };
  }

  return {
    // `dfs rm [-r]`: one call per path, so a tree goes into the trash whole, as one item
    'fs.remove': async ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      if (splitPath(p).length === 0) throw new DfsError('EBUSY', 'cannot remove the root');
      const pr = paths.resolveParent(c, p);
      const node = pr.existing;
      if (!node) throw new DfsError('ENOENT', `no such file or directory: ${p}`);
      if (stickyBlocks(c, pr.dir, node)) throw new DfsError('EACCES', `sticky directory: only the owner may remove ${p}`);
      if (node.type === 'dir') {
        if (!bool(meta, 'recursive')) throw new DfsError('EISDIR', `is a directory: ${p}`);
        checkTree(c, node, normal(p));
      }
      const r = removal(m, c, pr, p, bool(meta, 'skipTrash'));
      await m.mutate([r]);
      return { meta: { trashed: r.op === 'trash' ? r.ino : null } };
    },

    'trash.list': ({ meta }) => {
      const c = m.caller(meta);
      const items: TrashItem[] = [];
      for (const e of bin.entries.values()) if (mayHandle(c, e)) items.push(item(e));
      return { meta: { items, retentionMs: m.config.trashMs } };
    },

    'trash.restore': async ({ meta }) => {
      const c = m.caller(meta);
      const e = itemOf(c, meta);
      const target = restoreTarget(c, e, optStr(meta, 'to', DEFAULTS.maxTreePathBytes));
      await m.mutate([{ op: 'restore', trashName: e.name, to: target.dir.ino, toName: target.name, time: Date.now() }]);
      return { meta: { path: target.path } };
    },

    'trash.purge': async ({ meta }) => {
      const c = m.caller(meta);
      const all = bool(meta, 'all');
      const chosen = all ? [...bin.entries.values()].filter((e) => mayHandle(c, e)) : [itemOf(c, meta)];
      const time = Date.now();
      for (let i = 0; i < chosen.length; i += DEFAULTS.trashPurgeBatch) {
        await m.mutate(chosen.slice(i, i + DEFAULTS.trashPurgeBatch).map((e) => ({ op: 'purge' as const, parent: bin.dirIno!, name: e.name, time })));
      }
      return { meta: { purged: chosen.length } };
    },
  };
}

/** Purges trash items older than the retention time, on a timer of its own. */
export class TrashPurger {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly m: MasterContext,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.m.logger.error({ err: (err as Error).message }, 'trash purge failed'));
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One round: every item past its time, in batches; returns how many went. */
  async tick(now = Date.now()): Promise<number> {
    const bin = this.m.state.trash;
    if (this.running || bin.dirIno === undefined || bin.entries.size === 0) return 0;
    this.running = true;
    try {
      const due = [...bin.entries.values()].filter((e) => e.time + this.m.config.trashMs <= now);
      for (let i = 0; i < due.length; i += DEFAULTS.trashPurgeBatch) {
        await this.m.mutate(due.slice(i, i + DEFAULTS.trashPurgeBatch).map((e) => ({ op: 'purge' as const, parent: bin.dirIno!, name: e.name, time: now })));
      }
      if (due.length) this.m.logger.info({ items: due.length }, 'purged from the trash');
      return due.length;
    } finally {
      this.running = false;
    }
  }
}
