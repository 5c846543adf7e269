// Names to inodes, as a local file system's path walk does it: search permission on every
// directory passed, symlinks followed in the middle (and at the end when asked), the
// trash's name at the root. And the other way: an inode named by number, which the caller
// must show the master's ticket for (capabilities.ts).
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import { int } from '../rpc/params.js';
import type { MasterContext } from './context.js';
import { ROOT_INO, type Inode } from './namespace.js';
import { checkName, splitPath } from './paths.js';
import { allowed, W_OK, X_OK, type Caller } from './permissions.js';
import { TRASH_NAME } from './trash-bin.js';

/** The trash's part of path resolution: `/.trash` at the root names the trash directory. */
export function trashLookup(m: Pick<MasterContext, 'state'>, dir: Inode, name: string): number | undefined {
  return dir.ino === ROOT_INO && name === TRASH_NAME ? m.state.trash.dirIno : undefined;
}

export interface Resolved {
  node: Inode;
  parent: Inode;
  name: string;
}

export interface ParentResolved {
  dir: Inode;
  name: string;
  existing?: Inode;
}

/** Path resolution as the namespace handlers do it, for the services beside them. */
export interface PathResolver {
  resolve(c: Caller, p: string, follow: boolean): Resolved;
  resolveParent(c: Caller, p: string, needWrite?: boolean): ParentResolved;
}

export function deny(what: string): never {
  throw new DfsError('EACCES', `permission denied: ${what}`);
}

export class Paths implements PathResolver {
  constructor(private readonly m: Pick<MasterContext, 'state' | 'capabilities'>) {}

  /** Walks a path, following symlinks in the middle (and at the end when `follow`). */
  resolve(c: Caller, p: string, follow: boolean, depth = 0): Resolved {
    if (depth > DEFAULTS.maxSymlinkDepth) throw new DfsError('ELOOP', 'too many levels of symbolic links');
    const ns = this.m.state.ns;
    const parts = splitPath(p);
    let node = ns.get(ROOT_INO)!;
    let parent = node;
    let name = '/';
    for (let i = 0; i < parts.length; i++) {
      if (node.type === 'symlink') {
        const sofar = '/' + parts.slice(0, i).join('/');
        node = this.resolve(c, path.posix.resolve(path.posix.dirname(sofar), node.target!), true, depth + 1).node;
      }
      if (node.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: /${parts.slice(0, i).join('/')}`);
      if (!allowed(c, node, X_OK)) deny(`search /${parts.slice(0, i).join('/')}`);
      const next = node.entries!.get(parts[i]) ?? trashLookup(this.m, node, parts[i]);
      if (next === undefined) throw new DfsError('ENOENT', `no such file or directory: ${p}`);
      parent = node;
      name = parts[i];
      node = ns.get(next)!;
    }
    if (follow && node.type === 'symlink') {
      const base = '/' + parts.slice(0, -1).join('/');
      return this.resolve(c, path.posix.resolve(base, node.target!), true, depth + 1);
    }
    return { node, parent, name };
  }

  /** The directory a new name goes in, with write (or only search) permission checked. */
  resolveParent(c: Caller, p: string, needWrite = true): ParentResolved {
    const parts = splitPath(p);
    if (parts.length === 0) throw new DfsError('EEXIST', 'the root exists');
    const name = parts[parts.length - 1];
    const dir = this.resolve(c, '/' + parts.slice(0, -1).join('/'), true).node;
    return this.inDir(c, dir, name, needWrite, path.posix.dirname(p));
  }

  /** `name` in directory `dir`, with write (or only search) permission on `dir` checked. */
  inDir(c: Caller, dir: Inode, name: string, needWrite: boolean, where = this.pathOf(dir)): ParentResolved {
    checkName(name);
    if (dir.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${where}`);
    if (needWrite && !allowed(c, dir, W_OK | X_OK)) deny(`write in ${where}`);
    if (!needWrite && !allowed(c, dir, X_OK)) deny(`search ${where}`);
    const ino = dir.entries!.get(name);
    return { dir, name, existing: ino === undefined ? undefined : this.m.state.ns.get(ino) };
  }

  /** A file named by inode number (`ino`), which the caller must have reached by path (its `ticket`). */
  byIno(c: Caller, meta: Meta, key = 'ino', ticketKey = 'ticket'): Inode {
    const ino = int(meta, key, 1);
    this.m.capabilities.checkTicket(c, ino, meta[ticketKey]);
    const n = this.m.state.ns.get(ino);
    if (!n) throw new DfsError('ESTALE', 'the file is gone');
    return n;
  }

  /** Whether the caller may change the data of `n`: write permission now, or a write ticket from an open for writing. */
  mayWrite(c: Caller, n: Inode, meta: Meta): boolean {
    return allowed(c, n, W_OK) || this.m.capabilities.checkTicket(c, n.ino, meta.ticket);
  }

  /** A directory's path, from its parent links (for messages and the trash's record of where an item was). */
  pathOf(dir: Inode): string {
    const ns = this.m.state.ns;
    const names: string[] = [];
    let cur = dir;
    for (let i = 0; cur.ino !== ROOT_INO && i < 10_000; i++) {
      const parent = ns.get(cur.parent!)!;
      const name = [...parent.entries!].find(([, ino]) => ino === cur.ino)?.[0] ?? (cur.ino === this.m.state.trash.dirIno ? TRASH_NAME : '?');
      names.unshift(name);
      cur = parent;
    }
    return '/' + names.join('/');
  }

  /** Whether `dir` is `of` or one of its ancestors. */
  isAncestor(dir: Inode, of: Inode): boolean {
    const ns = this.m.state.ns;
    let cur = of;
    for (;;) {
      if (cur.ino === dir.ino) return true;
      if (cur.ino === ROOT_INO) return false;
      cur = ns.get(cur.parent!)!;
    }
  }
}
