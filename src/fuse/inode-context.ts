// What the by-inode operation groups (inode-*-ops.ts) share: the backend, the kernel's
// nodes and names, the cache policy, open files and directories, the id map; and the two
// answers most operations end with, an entry and attributes. Every operation gets the
// kernel's Request and keeps it in reach of its backend call: a mount that acts as each
// caller (issue 16) passes it down there.
import type { IdMap } from '../client/id-map.js';
import type { Attr } from '../protocol/types.js';
import type { EntryInfo, MountBackend } from '../client/mount-api.js';
import type { DirHandle } from './dir-handle.js';
import type { Log } from './errno.js';
import type { HandleTable } from './handles.js';
import { inodeAttr } from './inode-attr.js';
import type { Era, KernelCache } from './kernel-cache.js';
import type { KernelNames } from './kernel-names.js';
import type { AttrReply, Entry } from './lowlevel-ops.js';
import type { NodeTable } from './node-table.js';
import type { OpenFiles } from './open-files.js';
import type { HeldLocks } from './held-locks.js';

export interface InodeContext {
  backend: MountBackend;
  nodes: NodeTable;
  names: KernelNames;
  cache: KernelCache;
  files: OpenFiles;
  dirs: HandleTable<DirHandle>;
  ids: IdMap;
  log: Log;
  /** Which owners hold locks through this mount (inode-lock-ops.ts). */
  locks: HeldLocks;
}

/**
 * The attributes to give the kernel for `a`, and for how long: a file this mount is writing
 * is ahead of the master in its size, which its open file knows, and only for the moment
 * (it changes with every write; the kernel's own size must never go back to the master's).
 */
function current(ctx: InodeContext, a: Attr, seconds: number): { attr: Attr; seconds: number } {
  const writer = ctx.files.writerOf(a.ino);
  return writer ? { attr: { ...a, size: writer.getattr().size }, seconds: 0 } : { attr: a, seconds };
}

export function attrReply(ctx: InodeContext, era: Era, a: Attr): AttrReply {
  const c = current(ctx, a, ctx.cache.seconds(era, a.ino));
  return { attr: inodeAttr(c.attr, ctx.ids), timeout: c.seconds };
}

/** An entry for `name` in `parent` as the kernel takes it; nothing is counted yet (see `handedOut`). */
export function kernelEntry(ctx: InodeContext, era: Era, parent: number, name: string, e: EntryInfo): Entry {
  const times = ctx.cache.entryTimes(era, e.attr.ino, parent, name);
  const c = current(ctx, e.attr, times.attrTimeout);
  return { ino: e.attr.ino, generation: 0, attr: inodeAttr(c.attr, ctx.ids), attrTimeout: c.seconds, entryTimeout: times.entryTimeout };
}

/** The kernel is given an entry: it holds one more lookup of the inode, and may cache the name. */
export function handedOut(ctx: InodeContext, parent: number, name: string, e: EntryInfo): void {
  ctx.nodes.entered(e);
  ctx.names.resolved(parent, name, e.attr.ino);
}

/** An entry answered now (lookup, mkdir, create...): built and counted. */
export function answerEntry(ctx: InodeContext, era: Era, parent: number, name: string, e: EntryInfo): Entry {
  const entry = kernelEntry(ctx, era, parent, name, e);
  handedOut(ctx, parent, name, e);
  return entry;
}
