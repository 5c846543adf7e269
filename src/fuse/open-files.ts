// The files this mount has open, by the handle number the kernel was given, and by inode:
// a file written through the mount is ahead of the master (its size, until a flush publishes
// it), so its attributes are answered from the open file while it has unpublished writes.
import type { MountFile } from '../client/mount-api.js';
import { HandleTable } from './handles.js';

export interface OpenFileEntry {
  readonly file: MountFile;
  /** Written or truncated since its last flush. */
  written: boolean;
  /** Writes and truncates so far: a flush clears `written` only when none came while it ran. */
  changes: number;
}

/** Notes a write or truncate about to go to the file. */
export function changing(e: OpenFileEntry): void {
  e.written = true;
  e.changes++;
}

/** Flushes (or fsyncs) the file; what was written before is then the master's. */
export async function published(e: OpenFileEntry, flush: () => Promise<void>): Promise<void> {
  const seen = e.changes;
  await flush();
  if (e.changes === seen) e.written = false;
}

export class OpenFiles {
  private readonly table = new HandleTable<OpenFileEntry>();
  private readonly byIno = new Map<number, Set<OpenFileEntry>>();

  add(file: MountFile): number {
    const e: OpenFileEntry = { file, written: false, changes: 0 };
    let set = this.byIno.get(file.ino);
    if (!set) this.byIno.set(file.ino, (set = new Set()));
    set.add(e);
    return this.table.add(e);
  }

  /** EBADF for a handle that is not open. */
  get(fh: number): OpenFileEntry {
    return this.table.get(fh);
  }

  remove(fh: number): OpenFileEntry {
    const e = this.table.remove(fh);
    const set = this.byIno.get(e.file.ino);
    set?.delete(e);
    if (set?.size === 0) this.byIno.delete(e.file.ino);
    return e;
  }

  /** An open file of `ino` with writes the master may not have yet. */
  writerOf(ino: number): MountFile | undefined {
    for (const e of this.byIno.get(ino) ?? []) if (e.written) return e.file;
    return undefined;
  }

  values(): IterableIterator<OpenFileEntry> {
    return this.table.values();
  }

  get size(): number {
    return this.table.size;
  }
}
