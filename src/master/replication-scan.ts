// The replicator's scan (replication.ts): one look at every file's blocks beside the copies
// on the nodes that count, giving the health counts `dfs status` shows and the blocks to
// copy or trim, with the copies each one's file wants. Kept apart from the work it queues
// so the counting rules (good, suspect, draining, lost) read in one place.
import type { BlockMap } from './block-map.js';
import type { Inode } from './namespace.js';
import type { NodeRegistry } from './nodes.js';
import { fileObjects } from './block-overlays.js';

export interface ReplicationHealth {
  /** Blocks referenced by files. */
  blocks: number;
  /** Fewer live copies than their file wants, but at least one. */
  underReplicated: number;
  /** No good live copy: nothing a read can use. */
  missing: number;
  /** Of the missing, those whose every live copy failed a client's check. */
  lost: number;
  /** A copy was found bad and the block is not yet back to its factor of good copies (or still keeps the bad one). */
  corrupt: number;
  /** More copies than wanted (trimmed soon). */
  overReplicated: number;
}

/** Inodes and block references a scan looks at before it lets the event loop run. */
export const SCAN_SLICE = 200_000;

/** One pass's counts and work, filled slice by slice. */
export interface ScanPass {
  health: ReplicationHealth;
  queue: Map<string, number>;
  /** Nodes whose copies count: alive and reconciled when the pass began. */
  counting: Set<string>;
}

/** What a scan reads besides the files: the block map, the nodes, and the replicator's own bookkeeping. */
export interface ScanView {
  readonly blocks: BlockMap;
  readonly nodes: Pick<NodeRegistry, 'copiesPossible' | 'draining'>;
  /** Block → nodes that dropped a bad copy; a block back at its factor leaves it (the scan deletes it). */
  readonly corrupt: Map<string, Set<string>>;
  /** Block → nodes a copy is being made on. */
  readonly copying: ReadonlyMap<string, ReadonlySet<string>>;
}

export function emptyHealth(): ReplicationHealth {
  return { blocks: 0, underReplicated: 0, missing: 0, lost: 0, corrupt: 0, overReplicated: 0 };
}

/**
 * Counts files' blocks into `pass`, queueing blocks that need work, until about `max` inodes
 * and block references are looked at: one file may hold a million blocks.
 */
export function scanSlice(pass: ScanPass, files: Iterator<Inode>, max: number, view: ScanView): 'done' | 'more' {
  const h = pass.health;
  const { blocks, nodes, corrupt, copying } = view;
  for (let work = 0; work < max;) {
    const next = files.next();
    if (next.done) return 'done';
    const list = next.value.blocks;
    work += 1 + (list?.length ?? 0);
    if (!list) continue;
    const want = nodes.copiesPossible(next.value.replicas);
    for (const ref of fileObjects(list)) {
      h.blocks++;
      const b = blocks.get(ref.id);
      // good copies; suspect ones (kept, not counted); copies on draining nodes, which count
      // for nothing but can still be copied from
      let live = 0;
      let suspect = 0;
      let leaving = 0;
      for (const node of b?.nodes ?? []) {
        if (!pass.counting.has(node)) continue;
        if (b!.suspect?.has(node)) suspect++;
        else if (nodes.draining.has(node)) leaving++;
        else live++;
      }
      if (live >= want && corrupt.size > 0) corrupt.delete(ref.id); // repaired
      if (b?.suspect || corrupt.has(ref.id)) h.corrupt++;
      if (live === want && suspect === 0) continue;
      const coming = copying.get(ref.id)?.size ?? 0;
      if (live + leaving === 0) {
        h.missing++;
        if (suspect > 0) h.lost++;
      } else if (live < want) h.underReplicated++;
      else if (live > want) h.overReplicated++;
      const trimmable = live > want || (live === want && suspect > 0);
      if (live + leaving > 0 && (live + coming < want || (trimmable && coming === 0))) pass.queue.set(ref.id, want);
    }
  }
  return 'more';
}
