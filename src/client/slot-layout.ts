// Where each 64 KiB segment of a file's slot is stored, now that small writes lay overlays
// over a block (src/master/block-overlays.ts): segment k reads from the newest overlay that
// holds it, else from the block, else it is a hole (zeros). A read gathers runs of
// consecutive segments held by one object, one request a run.
import { SEGMENT } from '../protocol/block-format.js';
import type { RemoteBlock, RemoteOverlay } from '../protocol/methods.js';

/** The id that names the slot's present contents, which a commit's `base` must match. */
export function headOf(b: RemoteBlock | null | undefined): string | null {
  if (!b) return null;
  return b.over?.length ? b.over[b.over.length - 1].id : b.id;
}

/** Segments first..last of a slot held by one object: the block, an overlay, or none (a hole). */
export interface Run {
  first: number;
  last: number;
  from: { kind: 'block' } | { kind: 'overlay'; overlay: RemoteOverlay } | { kind: 'hole' };
}

/** The object holding segment `k` of slot `b`. */
function holder(b: RemoteBlock, k: number): Run['from'] {
  const over = b.over ?? [];
  for (let i = over.length - 1; i >= 0; i--) if (over[i].segs.includes(k)) return { kind: 'overlay', overlay: over[i] };
  return k * SEGMENT < b.size ? { kind: 'block' } : { kind: 'hole' };
}

const same = (x: Run['from'], y: Run['from']): boolean => x.kind === y.kind && (x.kind !== 'overlay' || (y.kind === 'overlay' && x.overlay === y.overlay));

/** Segments first..last of slot `b`, as runs of one object each, in order. */
export function runs(b: RemoteBlock, first: number, last: number): Run[] {
  const out: Run[] = [];
  for (let k = first; k <= last; k++) {
    const from = holder(b, k);
    const prev = out[out.length - 1];
    if (prev && same(prev.from, from)) prev.last = k;
    else out.push({ first: k, last: k, from });
  }
  return out;
}

/** The overlay's segment positions holding slot segments first..last (all of which it holds, in a row). */
export function positions(o: RemoteOverlay, first: number, last: number): { first: number; last: number } {
  const at = o.segs.indexOf(first);
  return { first: at, last: at + (last - first) };
}
