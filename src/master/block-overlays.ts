// Overlays: how a small write into a big file costs about its own size. A slot of a file is
// a stored block and, laid over it, overlays: immutable objects that hold whole 4 KiB pages
// of the slot, each sealed on its own (src/protocol/block-format.ts), newest last. Page p of
// the slot reads from the newest overlay that holds it, else from the block. A writer of a
// few bytes seals and uploads only the pages it touched, as JuiceFS lays slices over older
// data (MooseFS rewrites 64 KiB blocks inside its chunks); each overlay is a block of its own to
// replication, repair and garbage collection. An overlay that newer ones cover wholly goes
// at once, and a writer folds many overlays into one (or into a new block) before they pile
// up (open-file.ts), so a reader never gathers more than a few objects for a slot.

/** One slot of a file: a stored block of `size` bytes and, laid over it, the overlays that small writes made since. */
export interface BlockRef {
  id: string;
  size: number;
  over?: Overlay[];
}

/** A stored object holding whole 4 KiB pages of its slot (`pages`, ascending), newest last. */
export interface Overlay {
  id: string;
  /** Plaintext bytes of the object: every page whole but the last. */
  size: number;
  pages: number[];
}

/** Overlays a slot may carry: a commit past it is refused (writers fold theirs well before). */
export const MAX_OVERLAYS = 64;

/** The slot's block and its overlays, the stored objects it references. */
export function objectsOf(ref: BlockRef): { id: string; size: number }[] {
  return ref.over ? [ref, ...ref.over] : [ref];
}

/** Every stored object a file's block list references. */
export function* fileObjects(list: readonly (BlockRef | null)[]): Generator<{ id: string; size: number }> {
  for (const ref of list) {
    if (!ref) continue;
    yield ref;
    if (ref.over) yield* ref.over;
  }
}

/** The id that names the slot's present contents: its newest overlay, else its block. What a writer's `base` must match. */
export function headOf(ref: BlockRef | null | undefined): string | null {
  if (!ref) return null;
  return ref.over?.length ? ref.over[ref.over.length - 1].id : ref.id;
}

/**
 * Lays `o` over slot `ref` (newest) and drops the older overlays it and those after them
 * cover wholly; returns the ids of the overlays dropped.
 */
export function addOverlay(ref: BlockRef, o: Overlay): string[] {
  const over = [...(ref.over ?? []), o];
  const covered = new Set<number>();
  const kept: Overlay[] = [];
  const gone: string[] = [];
  for (let i = over.length - 1; i >= 0; i--) {
    const x = over[i];
    if (i < over.length - 1 && x.pages.every((s) => covered.has(s))) gone.push(x.id);
    else kept.push(x);
    for (const s of x.pages) covered.add(s);
  }
  ref.over = kept.reverse();
  return gone;
}
