// Files that appear whole or not at all: the bytes go to a temporary file, which is fsync'd,
// renamed over the final name, and the directory that now names it is fsync'd, so after a
// crash the final name holds the old file or the whole new one, never a part (the rename is
// atomic, and the directory's fsync makes the new name itself survive a crash). The master's
// snapshots and checkpoints, and the storage node's block files and identity, are written
// this way. A failed write removes its temporary file and leaves the final name alone.
//
// It is the one place both servers share for it, so it imports nothing of the project.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Where the bytes go first (on the same file system); by default `<file>.tmp` beside it. */
  tmp?: string;
  /** The new file's mode; by default 0600 (every file dfs keeps is private). */
  mode?: number;
}

export interface AsyncAtomicWriteOptions extends AtomicWriteOptions {
  /** Waited for once the bytes are on disk, before the rename: the file may appear only then. */
  beforeRename?: () => Promise<void>;
}

/** Makes a directory's entries (a file created, renamed or removed in it) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncDir, blocking: for code that runs where the event loop does not serve anything else. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `file` atomically: `write` fills the temporary file (it may write by `fh.fd` too). */
export async function writeFileAtomic(file: string, write: (fh: FileHandle) => void | Promise<void>, options: AsyncAtomicWriteOptions = {}): Promise<void> {
  const tmp = options.tmp ?? `${file}.tmp`;
  let fh: FileHandle | undefined;
  try {
    fh = await fs.promises.open(tmp, 'w', options.mode ?? 0o600);
    await write(fh);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await options.beforeRename?.();
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(file));
}

/** writeFileAtomic, blocking: for start-up and worker threads. `write` fills the file by its fd. */
export function writeFileAtomicSync(file: string, write: (fd: number) => void, options: AtomicWriteOptions = {}): void {
  const tmp = options.tmp ?? `${file}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', options.mode ?? 0o600);
    try {
      write(fd);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirSync(path.dirname(file));
}
