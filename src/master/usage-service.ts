// What a path holds, answered from the master's memory in one call: `fs.usage` (dfs du:
// files, directories and bytes of a tree, and of each entry of a directory, as `hdfs dfs
// -du`) and `fs.info` (dfs info: a file's blocks, the nodes holding each and whether they
// are up, as mfsfileinfo and `hdfs fsck -files -blocks -locations`).
import path from 'node:path';
import type { BlockCopies, Usage } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { bool } from '../rpc/params.js';
import { pathField } from './paths.js';
import type { PathResolver } from './resolve.js';
import type { MasterContext, MasterHandlers } from './context.js';
import { attrOf, type Inode } from './namespace.js';
import { allowed, R_OK, X_OK, type Caller } from './permissions.js';

export function usageHandlers(m: MasterContext, paths: PathResolver): MasterHandlers {
  const ns = m.state.ns;

  function usageOf(c: Caller, top: Inode): Usage {
    const u: Usage = { files: 0, dirs: 0, bytes: 0, replicated: 0, unreadable: 0 };
    const stack = [top];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type !== 'dir') {
        u.files++;
        if (n.type === 'file') {
          u.bytes += n.size;
          u.replicated += n.size * n.replicas;
        }
        continue;
      }
      u.dirs++;
      if (!allowed(c, n, R_OK | X_OK)) {
        u.unreadable++;
        continue;
      }
      for (const ino of n.entries!.values()) {
        const child = ns.get(ino);
        if (child) stack.push(child);
      }
    }
    return u;
  }

  return {
    'fs.usage': ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const { node } = paths.resolve(c, p, true);
      const total = usageOf(c, node);
      if (!bool(meta, 'entries') || node.type !== 'dir') return { meta: { total } };
      if (!allowed(c, node, R_OK)) throw new DfsError('EACCES', `permission denied: list ${p}`);
      const entries = [...node.entries!].map(([name, ino]) => {
        const child = ns.get(ino)!;
        return { name, type: child.type, ...usageOf(c, child) };
      });
      return { meta: { total, entries } };
    },

    'fs.info': ({ meta }) => {
      const c = m.caller(meta);
      const p = pathField(meta, 'path');
      const { node } = paths.resolve(c, p, false);
      const attr = attrOf(node);
      if (node.type !== 'file') {
        const usage = node.type === 'dir' ? usageOf(c, node) : undefined;
        return { meta: { path: path.posix.normalize(p), attr, usage, ...(node.type === 'symlink' ? { target: node.target } : {}) } };
      }
      if (!allowed(c, node, R_OK)) throw new DfsError('EACCES', `permission denied: read ${p}`);
      const replication = m.replication;
      const blocks: (BlockCopies | null)[] = node.blocks!.map((ref, index) => {
        if (!ref) return null;
        const info = m.state.blocks.get(ref.id);
        const copies = [...(info?.nodes ?? [])].map((id) => ({ node: id, url: m.nodes.url(id), up: m.nodes.isAlive(id) }));
        const live = info ? replication.holders(info).length : 0;
        const state = live === 0 ? 'missing' : live < node.replicas ? 'under-replicated' : live > node.replicas ? 'over-replicated' : 'ok';
        return { index, id: ref.id, size: ref.size, copies, live, state };
      });
      return { meta: { path: path.posix.normalize(p), attr, blocks } };
    },
  };
}
