// A path walked to an inode and its ticket, a name at a time as a mount walks it (ino.root,
// ino.lookup), for what the master offers by inode only (extended attributes) to a caller
// that has a path (the CLI). The master checks search permission on each directory, as for
// the fs.* calls; symlinks are followed here as the master's own walk follows them
// (src/master/resolve.ts): in the middle always, at the end when asked. The errors say what
// fs.* calls say for the same path.
import path from 'node:path';
import { DEFAULTS } from '../defaults.js';
import type { InoEntry } from '../protocol/methods.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import type { ClientCore } from './core.js';

type Master = Pick<ClientCore, 'call'>;

/** The inode at `p` (absolute and normal: normalizePath) and its ticket. */
export async function walkPath(master: Master, p: string, follow: boolean, depth = 0): Promise<InoEntry> {
  if (depth > DEFAULTS.maxSymlinkDepth) throw new DfsError('ELOOP', 'too many levels of symbolic links');
  const parts = p.split('/').filter(Boolean);
  let node = await master.call('ino.root', {});
  for (let i = 0; i < parts.length; i++) {
    const sofar = '/' + parts.slice(0, i).join('/');
    if (node.attr.type === 'symlink') node = await walkPath(master, path.posix.resolve(path.posix.dirname(sofar), await targetOf(master, node)), true, depth + 1);
    if (node.attr.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${sofar}`);
    node = await lookup(master, node, parts[i], p, sofar);
  }
  if (follow && node.attr.type === 'symlink') {
    const base = '/' + parts.slice(0, -1).join('/');
    return walkPath(master, path.posix.resolve(base, await targetOf(master, node)), true, depth + 1);
  }
  return node;
}

async function lookup(master: Master, dir: InoEntry, name: string, p: string, dirPath: string): Promise<InoEntry> {
  try {
    return await master.call('ino.lookup', { parent: dir.attr.ino, pticket: dir.ticket, name });
  } catch (err) {
    // the master names only the last name; the caller gave a path
    const e = toDfsError(err);
    if (e.code === 'ENOENT') throw new DfsError('ENOENT', `no such file or directory: ${p}`);
    if (e.code === 'EACCES' && e.reason === undefined) throw new DfsError('EACCES', `permission denied: search ${dirPath}`);
    throw e;
  }
}

async function targetOf(master: Master, link: InoEntry): Promise<string> {
  return (await master.call('ino.readlink', { ino: link.attr.ino, ticket: link.ticket })).target;
}
