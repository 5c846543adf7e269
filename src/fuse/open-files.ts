// The files this mount has open, by the handle number the kernel was given, and by inode:
// a file written through the mount is ahead of the master (its size, until a flush publishes
// it), so its attributes are answered from the open file while it has unpublished writes.
import type { MountFile } from './backend.js';
import { HandleTable } from './handles.js';

export interface OpenFileEntry {
  readonly file: MountFile;
  /** Written or truncated since its last flush. */
  written: boolean;
}

export class OpenFiles {
  private readonly table = new HandleTable<OpenFileEntry>();
  private readonly byIno = new Map<number, Set<OpenFileEntry>>();

  add(file: MountFile): number {
    const e: OpenFileEntry = { file, written: false };
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
