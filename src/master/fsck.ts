// `dfs fsck`: walks a subtree and checks that every block of every file has a live copy,
// and as many as its file wants. Copies are checked against the nodes' real block lists,
// not only the master's map, so a copy a node lost is found even before anyone reads it.
import type { DamagedFile, FsckReport } from '../protocol/types.js';
import type { MasterContext } from './context.js';
import { listNodeBlocks } from './node-blocks.js';
import type { Inode } from './namespace.js';
import { fileObjects } from './block-overlays.js';

const MAX_LISTED = 1000;

/** Each live node's real block list; a node that does not answer is left out (and named). */
export async function fetchBlockLists(m: MasterContext): Promise<{ lists: Map<string, Set<string>>; failed: string[] }> {
  const lists = new Map<string, Set<string>>();
  const failed: string[] = [];
  await Promise.all(
    m.nodes.alive().map(async (n) => {
      try {
        if (!n.peer?.isOpen) throw new Error('not connected');
        lists.set(n.id, await listNodeBlocks(n.peer, m.config.blockListPage));
      } catch {
        failed.push(n.id);
      }
    }),
  );
  return { lists, failed };
}

export function fsck(m: MasterContext, root: Inode, rootPath: string, lists: Map<string, Set<string>>, unverified: string[]): FsckReport {
  const r: FsckReport = {
    path: rootPath,
    files: 0,
    dirs: 0,
    blocks: 0,
    missing: 0,
    lost: 0,
    underReplicated: 0,
    corrupt: m.replication.scan().corrupt,
    dangling: [],
    damaged: [],
    truncated: false,
    unverifiedNodes: unverified,
    beyondNodes: 0,
    healthy: true,
  };
  const ns = m.state.ns;
  const replication = m.replication;
  const seen = new Set<number>();
  const stack: [Inode, string][] = [[root, rootPath]];
  while (stack.length) {
    const [n, p] = stack.pop()!;
    if (seen.has(n.ino)) continue; // a hard link: checked under its first name
    seen.add(n.ino);
    if (n.type === 'dir') {
      r.dirs++;
      for (const [name, ino] of n.entries!) {
        const child = ns.get(ino);
        const cp = p === '/' ? `/${name}` : `${p}/${name}`;
        if (!child) r.dangling.push(cp);
        else stack.push([child, cp]);
      }
      continue;
    }
    if (n.type !== 'file') continue;
    r.files++;
    const d: DamagedFile = { path: p, ino: n.ino, blocks: 0, missing: 0, lost: 0, underReplicated: 0, replicas: n.replicas };
    const want = m.nodes.copiesPossible(n.replicas);
    if (want < n.replicas) r.beyondNodes++;
    for (const ref of fileObjects(n.blocks!)) {
      d.blocks++;
      const info = m.state.blocks.get(ref.id);
      const held = info ? replication.holders(info).filter((node) => lists.get(node)?.has(ref.id) ?? unverified.includes(node)) : [];
      // a copy a reader found bad is no copy to count on
      const copies = held.filter((node) => !info?.suspect?.has(node)).length;
      if (copies === 0) {
        d.missing++;
        if (held.length > 0) d.lost++;
      } else if (copies < want) d.underReplicated++;
    }
    r.blocks += d.blocks;
    r.missing += d.missing;
    r.lost += d.lost;
    r.underReplicated += d.underReplicated;
    if (d.missing || d.underReplicated) {
      if (r.damaged.length < MAX_LISTED) r.damaged.push(d);
      else r.truncated = true;
    }
  }
  r.damaged.sort((a, b) => (a.path < b.path ? -1 : 1));
  r.healthy = r.missing === 0 && r.underReplicated === 0 && r.dangling.length === 0;
  return r;
}
