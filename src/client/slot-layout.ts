// Where each 4 KiB page of a file's slot is stored, now that small writes lay overlays over a
// block (src/master/block-overlays.ts): page p reads from the newest overlay that holds it,
// else from the block (or zeros past it). A read takes the block's segments, then gathers
// runs of consecutive pages held by one overlay, one request a run, and lays them over.
import { PAGE } from '../protocol/block-format.js';
import type { RemoteBlock, RemoteOverlay } from '../protocol/methods.js';

/** The id that names the slot's present contents, which a commit's `base` must match. */
export function headOf(b: RemoteBlock | null | undefined): string | null {
  if (!b) return null;
  return b.over?.length ? b.over[b.over.length - 1].id : b.id;
}

/** Pages first..last of a slot that one overlay holds, and is the newest to hold. */
export interface Run {
  first: number;
  last: number;
  overlay: RemoteOverlay;
}

/** The pages of slot `b` within bytes [from, to) that overlays hold, as runs of one overlay each, in order. */
export function overlayRuns(b: RemoteBlock, from: number, to: number): Run[] {
  const first = Math.floor(from / PAGE);
  const last = Math.ceil(to / PAGE) - 1;
  const holder: (RemoteOverlay | undefined)[] = new Array<RemoteOverlay | undefined>(Math.max(0, last - first + 1));
  // oldest first, so that a newer overlay's pages win
  for (const o of b.over ?? []) for (const p of o.pages) if (p >= first && p <= last) holder[p - first] = o;
  const out: Run[] = [];
  holder.forEach((o, i) => {
    if (!o) return;
    const prev = out[out.length - 1];
    if (prev && prev.overlay === o && prev.last === first + i - 1) prev.last = first + i;
    else out.push({ first: first + i, last: first + i, overlay: o });
  });
  return out;
}

/** The overlay's page positions holding slot pages first..last (all of which it holds, in a row). */
export function positions(o: RemoteOverlay, first: number, last: number): { first: number; last: number } {
  const at = o.pages.indexOf(first);
  return { first: at, last: at + (last - first) };
}
