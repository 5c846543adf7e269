// Extended attributes, by inode, with Linux's rules: `user.*` on files and directories for
// whoever may read (get) or write (set) the inode; `trusted.*` only for the superuser, who
// alone sees them listed; `security.*` readable by anyone, set by the superuser; `system.*`
// (POSIX ACLs) not offered, ENOTSUP (EOPNOTSUPP), as a file system without ACLs answers. A name is at
// most 255 bytes (ERANGE), a value 64 KiB (E2BIG); an inode's attributes together have a
// budget (ENOSPC). XATTR_CREATE and XATTR_REPLACE as setxattr(2) has them.
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import { optInt, str } from '../rpc/params.js';
import type { MasterContext, MasterHandlers } from './context.js';
import type { Inode } from './namespace.js';
import { allowed, isSuperuser, R_OK, W_OK, type Caller } from './permissions.js';
import type { Paths } from './resolve.js';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;
const NAME_MAX = 255;
/** Longer than any name taken, so that a long one is ERANGE (spaceOf), not a field error. */
const NAME_LIMIT = 64 * 1024;

type Space = 'user' | 'trusted' | 'security';

function spaceOf(name: string): Space {
  const dot = name.indexOf('.');
  const prefix = dot < 0 ? name : name.slice(0, dot);
  if (dot <= 0 || dot === name.length - 1) throw new DfsError('ENOTSUP', `not an attribute name dfs keeps: ${name}`);
  if (Buffer.byteLength(name) > NAME_MAX) throw new DfsError('ERANGE', 'attribute name too long');
  if (prefix === 'user' || prefix === 'trusted' || prefix === 'security') return prefix;
  throw new DfsError('ENOTSUP', `attributes of the ${prefix} namespace are not supported: ${name}`);
}

/** Whether `c` may see attributes of `space` at all (trusted.* is hidden from others). */
function visible(c: Caller, space: Space): boolean {
  return space !== 'trusted' || isSuperuser(c);
}

function checkAccess(c: Caller, n: Inode, space: Space, write: boolean): void {
  if (space === 'user') {
    // as Linux: user attributes only on regular files and directories
    if (n.type !== 'file' && n.type !== 'dir') throw new DfsError(write ? 'EPERM' : 'ENODATA', 'user attributes are kept on files and directories only');
    if (!allowed(c, n, write ? W_OK : R_OK)) throw new DfsError('EACCES', `permission denied: ${write ? 'set' : 'read'} attributes`);
    return;
  }
  if (space === 'trusted' && !isSuperuser(c)) throw new DfsError(write ? 'EPERM' : 'ENODATA', "trusted attributes are the superuser's");
  if (space === 'security' && write && !isSuperuser(c)) throw new DfsError('EPERM', 'security attributes are set by the superuser');
}

function bytesOf(x: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(x)) n += Buffer.byteLength(k) + Math.ceil((v.length * 3) / 4);
  return n;
}

export function xattrHandlers(m: MasterContext, paths: Paths): MasterHandlers {
  return {
    'ino.getxattr': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const name = str(meta, 'name', NAME_LIMIT);
      const space = spaceOf(name);
      checkAccess(c, n, space, false);
      const value = n.xattrs?.[name];
      if (value === undefined) throw new DfsError('ENODATA', `no attribute ${name}`);
      return { meta: { value } };
    },

    'ino.listxattr': ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      // listing needs no permission on Linux (it shows names, not values), but hides trusted.*
      const names = Object.keys(n.xattrs ?? {}).filter((k) => visible(c, spaceOf(k)));
      return { meta: { names } };
    },

    'ino.setxattr': async ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const name = str(meta, 'name', NAME_LIMIT);
      const space = spaceOf(name);
      const value = str(meta, 'value', DEFAULTS.masterMaxMessage);
      if (Buffer.from(value, 'base64').length > DEFAULTS.xattrValueMax) throw new DfsError('E2BIG', 'attribute value too large');
      const flags = optInt(meta, 'flags', 0, 3) ?? 0;
      checkAccess(c, n, space, true);
      const had = n.xattrs?.[name] !== undefined;
      if (flags & XATTR_CREATE && had) throw new DfsError('EEXIST', `attribute ${name} exists`);
      if (flags & XATTR_REPLACE && !had) throw new DfsError('ENODATA', `no attribute ${name}`);
      if (bytesOf({ ...n.xattrs, [name]: value }) > DEFAULTS.xattrBytesPerInode) throw new DfsError('ENOSPC', 'no room for more attributes on this inode');
      await m.mutate([{ op: 'xattr', ino: n.ino, name, value, time: Date.now() }]);
    },

    'ino.removexattr': async ({ meta }) => {
      const c = m.caller(meta);
      const n = paths.byIno(c, meta);
      const name = str(meta, 'name', NAME_LIMIT);
      checkAccess(c, n, spaceOf(name), true);
      if (n.xattrs?.[name] === undefined) throw new DfsError('ENODATA', `no attribute ${name}`);
      await m.mutate([{ op: 'xattr', ino: n.ino, name, time: Date.now() }]);
    },
  };
}
