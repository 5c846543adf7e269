// Blocks on disk, one file each, checked on every read:
//
//   <data-dir>/storage.json       {"format":"dfs-storage","version":1,"nodeId":"…"}: who this node is
//   <data-dir>/blocks/<ab>/<id>   block file; <ab> = the id's first two hex digits (256-way fan-out)
//   <data-dir>/tmp/               writes in progress; emptied at start
//
//   block file = magic 'DFSB' | u16 BE version | u16 reserved | u32 BE data length | u32 BE CRC-32(data) | data
//
// A block is written under a temporary name, fsync'd, renamed into place and its directory
// fsync'd, so after a crash a block file is whole or absent. A read whose length or checksum
// is wrong is corruption: the copy is removed and the read fails with EIO, so the client
// reads another replica and the master makes a new copy.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { DfsError } from '../rpc/errors.js';
import { BLOCK_ID_RE, type BlockStore } from './block-store.js';

export const BLOCK_MAGIC = 'DFSB';
export const BLOCK_FORMAT_VERSION = 1;
export const BLOCK_HEADER_BYTES = 16;
const STORAGE_FORMAT = 'dfs-storage';
const STORAGE_VERSION = 1;

export function encodeBlockHeader(data: Buffer): Buffer {
  const h = Buffer.alloc(BLOCK_HEADER_BYTES);
  h.write(BLOCK_MAGIC, 0, 4, 'latin1');
  h.writeUInt16BE(BLOCK_FORMAT_VERSION, 4);
  h.writeUInt32BE(data.length, 8);
  h.writeUInt32BE(crc32(data), 12);
  return h;
}

/** The data of a block file, or why it is not a good one. */
export function decodeBlockFile(file: Buffer): { data: Buffer } | { bad: string } {
  if (file.length < BLOCK_HEADER_BYTES) return { bad: 'shorter than its header' };
  if (file.toString('latin1', 0, 4) !== BLOCK_MAGIC) return { bad: 'not a dfs block file' };
  const version = file.readUInt16BE(4);
  if (version !== BLOCK_FORMAT_VERSION) return { bad: `block format version ${version}; this dfs reads ${BLOCK_FORMAT_VERSION}` };
  const len = file.readUInt32BE(8);
  if (len !== file.length - BLOCK_HEADER_BYTES) return { bad: `holds ${file.length - BLOCK_HEADER_BYTES} bytes, its header says ${len}` };
  const data = file.subarray(BLOCK_HEADER_BYTES);
  if (crc32(data) !== file.readUInt32BE(12)) return { bad: 'checksum mismatch' };
  return { data };
}

function fsyncDir(dir: string): Promise<void> {
  return fs.promises.open(dir, 'r').then(async (fh) => {
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

export class DiskBlockStore implements BlockStore {
  /** Block id → bytes the file takes on disk (header included). */
  private readonly index = new Map<string, number>();
  private used = 0;
  private readonly madeDirs = new Set<string>();
  private readonly blocksDir: string;
  private readonly tmpDir: string;

  private constructor(readonly dir: string, readonly nodeId: string) {
    this.blocksDir = path.join(dir, 'blocks');
    this.tmpDir = path.join(dir, 'tmp');
  }

  /** Opens (or creates) a data dir, indexing the blocks it holds. */
  static open(dir: string): DiskBlockStore {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new DiskBlockStore(dir, loadOrCreateIdentity(dir));
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
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writev([encodeBlockHeader(data), data]);
      await fh.datasync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      throw toStoreError(err, `cannot store block ${id}`);
    }
    await fh.close();
    await fs.promises.rename(tmp, this.blockFile(id));
    await fsyncDir(subDir);
    const size = BLOCK_HEADER_BYTES + data.length;
    this.used += size - (this.index.get(id) ?? 0);
    this.index.set(id, size);
  }

  async get(id: string): Promise<Buffer | undefined> {
    if (!this.index.has(id)) return undefined;
    let file: Buffer;
    try {
      file = await fs.promises.readFile(this.blockFile(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.forget(id);
        return undefined;
      }
      throw toStoreError(err, `cannot read block ${id}`);
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
    const n = Math.max(0, Math.min(length, fileBytes - BLOCK_HEADER_BYTES - offset));
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(this.blockFile(id), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.forget(id);
        return undefined;
      }
      throw toStoreError(err, `cannot read block ${id}`);
    }
    const out = Buffer.allocUnsafe(n);
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(out, 0, n, BLOCK_HEADER_BYTES + offset));
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

  /** Used: the bytes our block files take. Capacity: that plus what the file system has free. */
  stats(): { capacity: number; used: number; blockCount: number } {
    let free = 0;
    try {
      const s = fs.statfsSync(this.dir);
      free = s.bavail * s.bsize;
    } catch {
      // a file system that cannot say: report no room, so no new blocks come here
    }
    return { capacity: this.used + free, used: this.used, blockCount: this.index.size };
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
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ format: STORAGE_FORMAT, version: STORAGE_VERSION, nodeId }) + '\n', { mode: 0o600 });
  const fd = fs.openSync(tmp, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  fs.fsyncSync(dfd);
  fs.closeSync(dfd);
  return nodeId;
}

/** Disk trouble as a DfsError: a full disk stays ENOSPC, anything else is EIO. */
function toStoreError(err: unknown, what: string): DfsError {
  const code = (err as NodeJS.ErrnoException).code;
  return new DfsError(code === 'ENOSPC' ? 'ENOSPC' : 'EIO', `${what}: ${(err as Error).message}`);
}
