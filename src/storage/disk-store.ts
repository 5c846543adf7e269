// Blocks on disk, one file each, checked on every read:
//
//   <data-dir>/storage.json       {"format":"dfs-storage","version":1,"nodeId":"…"}: who this node is
//   <data-dir>/blocks/<ab>/<id>   block file; <ab> = the id's first two hex digits (256-way fan-out)
//   <data-dir>/tmp/               writes in progress; emptied at start
//
//   block file = magic 'DFSB' | u16 BE version | u16 reserved | u32 BE data length | u32 BE CRC-32(data) | data
//
// A block is written under a temporary name, fsync'd, renamed into place and its directory
// fsync'd, so after a crash a block file is whole or absent. A write is checked to the last
// byte: a filling disk takes part of a write without an error, and a short file must never be
// stored or counted as a block (the put fails with ENOSPC and the partial file goes). A read
// whose length or checksum is wrong is corruption: the copy is removed and the read fails
// with EIO, so the client reads another replica and the master makes a new copy. So is a
// block file that has vanished from under the index (someone deleted it).
//
// Capacity: what this node holds plus what its file system has free, at most `--capacity`.
// Nodes that share one file system each see all of its free space; they report the file
// system's identity (`volume`) and free bytes, and the master counts that space once.
import { BLOCK_FILE_HEADER_BYTES } from '../protocol/block-format.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir, writeFileAtomic, writeFileAtomicSync } from '../fsutil/atomic-file.js';
import { DfsError } from '../rpc/errors.js';
import { BLOCK_ID_RE, type BlockStore, type StoreStats } from './block-store.js';

const BLOCK_MAGIC = 'DFSB';
const BLOCK_FORMAT_VERSION = 1;

const STORAGE_FORMAT = 'dfs-storage';
const STORAGE_VERSION = 1;

export function encodeBlockHeader(data: Buffer): Buffer {
  const h = Buffer.alloc(BLOCK_FILE_HEADER_BYTES);
  h.write(BLOCK_MAGIC, 0, 4, 'latin1');
  h.writeUInt16BE(BLOCK_FORMAT_VERSION, 4);
  h.writeUInt32BE(data.length, 8);
  h.writeUInt32BE(crc32(data), 12);
  return h;
}

/** The data of a block file, or why it is not a good one. */
export function decodeBlockFile(file: Buffer): { data: Buffer } | { bad: string } {
  if (file.length < BLOCK_FILE_HEADER_BYTES) return { bad: 'shorter than its header' };
  if (file.toString('latin1', 0, 4) !== BLOCK_MAGIC) return { bad: 'not a dfs block file' };
  const version = file.readUInt16BE(4);
  if (version !== BLOCK_FORMAT_VERSION) return { bad: `block format version ${version}; this dfs reads ${BLOCK_FORMAT_VERSION}` };
  const len = file.readUInt32BE(8);
  if (len !== file.length - BLOCK_FILE_HEADER_BYTES) return { bad: `holds ${file.length - BLOCK_FILE_HEADER_BYTES} bytes, its header says ${len}` };
  const data = file.subarray(BLOCK_FILE_HEADER_BYTES);
  if (crc32(data) !== file.readUInt32BE(12)) return { bad: 'checksum mismatch' };
  return { data };
}

/** Writes all of `parts` at the start of `fh`, however many calls a filling disk makes it take. */
async function writeAll(fh: fs.promises.FileHandle, parts: Buffer[]): Promise<void> {
  let rest = parts.filter((p) => p.length > 0);
  let pos = 0;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, pos);
    // nothing taken and no error: the file system will not take more; a full disk by any name
    if (bytesWritten === 0) throw Object.assign(new Error('the file system took no bytes'), { code: 'ENOSPC' });
    pos += bytesWritten;
    let skip = bytesWritten;
    while (skip > 0 && rest.length > 0) {
      if (rest[0].length <= skip) {
        skip -= rest[0].length;
        rest = rest.slice(1);
      } else {
        rest = [rest[0].subarray(skip), ...rest.slice(1)];
        skip = 0;
      }
    }
  }
}

export interface DiskStoreOptions {
  /** At most this many bytes of blocks (`dfs storage --capacity`); the file system's free space bounds it too. */
  capacityLimit?: number;
}

export class DiskBlockStore implements BlockStore {
  /** Block id → bytes the file takes on disk (header included). */
  private readonly index = new Map<string, number>();
  private used = 0;
  private readonly madeDirs = new Set<string>();
  private readonly blocksDir: string;
  private readonly tmpDir: string;
  /** The file system the data dir is on, as the master groups nodes that share one. */
  private readonly volume: string;

  private constructor(
    readonly dir: string,
    readonly nodeId: string,
    private readonly options: DiskStoreOptions,
  ) {
    this.blocksDir = path.join(dir, 'blocks');
    this.tmpDir = path.join(dir, 'tmp');
    this.volume = `${os.hostname()}:${fs.statSync(dir).dev}`;
  }

  /** Opens (or creates) a data dir, indexing the blocks it holds. */
  static open(dir: string, options: DiskStoreOptions = {}): DiskBlockStore {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new DiskBlockStore(dir, loadOrCreateIdentity(dir), options);
    fs.rmSync(store.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(store.tmpDir, { recursive: true });
    fs.mkdirSync(store.blocksDir, { recursive: true });
    for (const sub of fs.readdirSync(store.blocksDir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      store.madeDirs.add(sub);
      const subDir = path.join(store.blocksDir, sub);
      for (const name of fs.readdirSync(subDir)) {
        if (!BLOCK_ID_RE.test(name) || !name.startsWith(sub)) continue;
        const size = fs.statSync(path.join(subDir, name)).size;
        store.index.set(name, size);
        store.used += size;
      }
    }
    return store;
  }

  /** Where block `id` lives; exported for tests that damage blocks on purpose. */
  blockFile(id: string): string {
    return path.join(this.blocksDir, id.slice(0, 2), id);
  }

  async put(id: string, data: Buffer): Promise<void> {
    if (!BLOCK_ID_RE.test(id)) throw new DfsError('EINVAL', 'bad block id');
    const sub = id.slice(0, 2);
    const subDir = path.join(this.blocksDir, sub);
    if (!this.madeDirs.has(sub)) {
      await fs.promises.mkdir(subDir, { recursive: true });
      await fsyncDir(this.blocksDir);
      this.madeDirs.add(sub);
    }
    const tmp = path.join(this.tmpDir, `${id}.${randomBytes(4).toString('hex')}`);
    const size = BLOCK_FILE_HEADER_BYTES + data.length;
    const limit = this.options.capacityLimit;
    if (limit !== undefined && this.used - (this.index.get(id) ?? 0) + size > limit) {
      throw new DfsError('ENOSPC', `cannot store block ${id}: this node's capacity (${limit} bytes) is used up`);
    }
    try {
      // a part of a block is no block: it must not stay, be listed or be counted
      await writeFileAtomic(this.blockFile(id), (fh) => writeAll(fh, [encodeBlockHeader(data), data]), { tmp });
    } catch (err) {
      throw toStoreError(err, `cannot store block ${id}`);
    }
    this.used += size - (this.index.get(id) ?? 0);
    this.index.set(id, size);
  }

  async get(id: string): Promise<Buffer | undefined> {
    if (!this.index.has(id)) return undefined;
    let file: Buffer;
    try {
      file = await fs.promises.readFile(this.blockFile(id));
    } catch (err) {
      throw this.readError(id, err);
    }
    const got = decodeBlockFile(file);
    if ('bad' in got) {
      // a bad copy must not be served, listed or copied from again
      await this.delete(id);
      throw new DfsError('EIO', `block ${id} is corrupt on this node (${got.bad})`);
    }
    return got.data;
  }

  async getRange(id: string, offset: number, length: number): Promise<Buffer | undefined> {
    const fileBytes = this.index.get(id);
    if (fileBytes === undefined) return undefined;
    const n = Math.max(0, Math.min(length, fileBytes - BLOCK_FILE_HEADER_BYTES - offset));
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(this.blockFile(id), 'r');
    } catch (err) {
      throw this.readError(id, err);
    }
    const out = Buffer.allocUnsafe(n);
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(out, 0, n, BLOCK_FILE_HEADER_BYTES + offset));
    } catch (err) {
      throw toStoreError(err, `cannot read block ${id}`);
    } finally {
      await fh.close();
    }
    // the index says the file is longer: it was cut short, which is corruption
    if (bytesRead !== n) {
      await this.delete(id);
      throw new DfsError('EIO', `block ${id} is corrupt on this node (shorter than it was written)`);
    }
    return out;
  }

  async delete(id: string): Promise<boolean> {
    if (!this.index.has(id)) return false;
    this.forget(id);
    try {
      await fs.promises.unlink(this.blockFile(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toStoreError(err, `cannot delete block ${id}`);
    }
    return true;
  }

  /**
   * A read that failed. A file the index names and the disk no longer has was lost (deleted
   * from under us): it is forgotten and reported as a bad copy (EIO, as corruption is), so
   * the master makes a new one now, not at its next reconciliation.
   */
  private readError(id: string, err: unknown): DfsError {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.index.has(id)) {
      this.forget(id);
      return new DfsError('EIO', `block ${id} is missing from this node's disk`);
    }
    return toStoreError(err, `cannot read block ${id}`);
  }

  private forget(id: string): void {
    this.used -= this.index.get(id) ?? 0;
    this.index.delete(id);
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  ids(): Iterable<string> {
    return this.index.keys();
  }

  /**
   * Used: the bytes our block files take. Capacity: that plus what the file system has free,
   * at most the configured limit. The volume and its free bytes let the master count a file
   * system that several nodes share once.
   */
  stats(): StoreStats {
    let free = 0;
    try {
      const s = fs.statfsSync(this.dir);
      free = s.bavail * s.bsize;
    } catch {
      // a file system that cannot say: report no room, so no new blocks come here
    }
    const limit = this.options.capacityLimit ?? Infinity;
    const capacity = Math.max(this.used, Math.min(this.used + free, limit));
    return { capacity, used: this.used, blockCount: this.index.size, volume: this.volume, volumeFree: free };
  }

  async close(): Promise<void> {}
}

function loadOrCreateIdentity(dir: string): string {
  const file = path.join(dir, 'storage.json');
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    let v: { format?: unknown; version?: unknown; nodeId?: unknown };
    try {
      v = JSON.parse(text) as typeof v;
    } catch {
      throw new Error(`${file}: not JSON`);
    }
    if (v.format !== STORAGE_FORMAT) throw new Error(`${file}: not a dfs storage data dir`);
    if (v.version !== STORAGE_VERSION) throw new Error(`${file}: storage format version ${String(v.version)}; this dfs reads ${STORAGE_VERSION}`);
    if (typeof v.nodeId !== 'string' || !/^[0-9a-f]{16}$/.test(v.nodeId)) throw new Error(`${file}: bad node id`);
    return v.nodeId;
  }
  const nodeId = randomBytes(8).toString('hex');
  writeFileAtomicSync(file, (fd) => fs.writeFileSync(fd, JSON.stringify({ format: STORAGE_FORMAT, version: STORAGE_VERSION, nodeId }) + '\n'));
  return nodeId;
}

/** Disk trouble as a DfsError: a full disk stays ENOSPC, anything else is EIO. */
function toStoreError(err: unknown, what: string): DfsError {
  const code = (err as NodeJS.ErrnoException).code;
  return new DfsError(code === 'ENOSPC' ? 'ENOSPC' : 'EIO', `${what}: ${(err as Error).message}`);
}
