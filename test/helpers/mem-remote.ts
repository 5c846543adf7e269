// Changes a test makes "elsewhere": by path, through a session of the in-memory backend
// other than the mount's (mem-backend.ts), so the mount hears of each one as an
// invalidation, as it would from the master when another mount makes it.
import type { NodeRef } from '../../src/client/mount-api.js';
import type { MemSession } from './mem-backend.js';

export type RemoteChange =
  | { op: 'write'; path: string; data: string; at?: number }
  | { op: 'truncate'; path: string; size: number }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'utimens'; path: string; mtime: number }
  | { op: 'rename'; from: string; to: string }
  | { op: 'unlink'; path: string }
  | { op: 'link'; from: string; to: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string }
  /** Empty files `${prefix}${i}` for i below count, in directory `dir`. */
  | { op: 'files'; dir: string; prefix: string; count: number };

function split(p: string): { dir: string; name: string } {
  const i = p.lastIndexOf('/');
  return { dir: i <= 0 ? '/' : p.slice(0, i), name: p.slice(i + 1) };
}

/** The inode at `p` (absolute, "/" the root), looked up name by name. */
export async function resolve(s: MemSession, p: string): Promise<NodeRef> {
  let ref: NodeRef = { ino: 1, ticket: s.ticketOf(1) };
  for (const name of p.split('/').filter(Boolean)) {
    const e = await s.lookup(ref, name);
    ref = { ino: e.attr.ino, ticket: e.ticket };
  }
  return ref;
}

const RW = { read: true, write: true };

export async function applyRemote(s: MemSession, c: RemoteChange): Promise<void> {
  switch (c.op) {
    case 'write': {
      const { dir, name } = split(c.path);
      const { file } = await s.create(await resolve(s, dir), name, 0o644, { ...RW, exclusive: false });
      await file.write(c.at ?? 0, Buffer.from(c.data));
      await file.close();
      return;
    }
    case 'truncate': {
      const file = await s.open(await resolve(s, c.path), RW);
      await file.truncate(c.size);
      await file.close();
      return;
    }
    case 'chmod':
      await s.setattr(await resolve(s, c.path), { mode: c.mode });
      return;
    case 'chown':
      await s.setattr(await resolve(s, c.path), { uid: c.uid, gid: c.gid });
      return;
    case 'utimens':
      await s.setattr(await resolve(s, c.path), { mtime: c.mtime });
      return;
    case 'rename': {
      const from = split(c.from);
      const to = split(c.to);
      await s.rename(await resolve(s, from.dir), from.name, await resolve(s, to.dir), to.name, 0);
      return;
    }
    case 'unlink': {
      const { dir, name } = split(c.path);
      await s.unlink(await resolve(s, dir), name);
      return;
    }
    case 'link': {
      const to = split(c.to);
      await s.link(await resolve(s, c.from), await resolve(s, to.dir), to.name);
      return;
    }
    case 'mkdir': {
      const { dir, name } = split(c.path);
      await s.mkdir(await resolve(s, dir), name, 0o755);
      return;
    }
    case 'rmdir': {
      const { dir, name } = split(c.path);
      await s.rmdir(await resolve(s, dir), name);
      return;
    }
    case 'files': {
      const dir = await resolve(s, c.dir);
      for (let i = 0; i < c.count; i++) {
        const { file } = await s.create(dir, `${c.prefix}${i}`, 0o644, { ...RW, exclusive: true });
        await file.close();
      }
    }
  }
}
