// The client's view of one open file, shared by every handle on it in this process, so
// handles see each other's writes at once. Writes land in per-block buffers; full blocks
// are sealed, uploaded and committed in the background, the rest on flush. Blocks are
// immutable: every upload is a new block id, and a commit swaps ids in the master's list.
import { DEFAULTS } from '../defaults.js';
import { CLOSED_REASON, DfsError, NO_NODES_REASON, STALE_ALLOCATION, toDfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import type { Attr } from './types.js';
import type { RemoteBlock } from './block-io.js';
import { importBlockKey, openSegments, SEGMENT, segmentCount, sealBlock, sealedLength, sealedRange, type BlockKey } from './crypto.js';
import type { Allocated, ClientCore } from './core.js';

/** A read this close to where the last one ended continues it (see readInto). */
const NEAR_BYTES = 2 * 1024 * 1024;

interface DirtyBlock {
  /** A recycled buffer: only the first `length` bytes mean anything. */
  data: Buffer;
  /** Valid bytes; the file reads zeros past them (up to its size). */
  length: number;
  /** Bumped by every write, so an upload knows whether it sent the latest bytes. */
  version: number;
  /** Uploads that have yet to read `data`; the buffer is recycled only at zero. */
  pins: number;
  /** No longer in the dirty map: recycle once unpinned. */
  dropped: boolean;
}

/** Plaintext of part of a block: pieces in order, the first starting at byte `start`. */
interface Plain {
  parts: Buffer[];
  start: number;
}

/** Copies block bytes [from, to) that `p` holds into `dst` at `at`; returns how many (up to where `p` ends). */
function copyPlain(p: Plain, from: number, to: number, dst: Buffer, at: number): number {
  let done = 0;
  let pos = p.start;
  for (const part of p.parts) {
    const want = from + done;
    if (want >= to || pos > want) break;
    const s = want - pos;
    if (s < part.length) {
      const n = Math.min(part.length - s, to - want);
      part.copy(dst, at + done, s, s + n);
      done += n;
    }
    pos += part.length;
  }
  return done;
}

/** Segment numbers of the whole of block `b`. */
function wholeBlock(b: RemoteBlock): { first: number; last: number } {
  return { first: 0, last: segmentCount(b.size) - 1 };
}

interface Placed {
  index: number;
  id: string;
  size: number;
  nodes: string[];
}

export class OpenFile {
  readonly ino: number;
  attr: Attr;
  size: number;
  private key: Buffer;
  private cryptoKey?: BlockKey;
  /** Bumped by every commit, so a refresh that raced one does not undo it. */
  private commits = 0;
  private blocks: (RemoteBlock | null)[] = [];
  private infoTime = 0;
  /** The master's proof that this session opened the file by path; by-inode calls show it. */
  private ticket = '';
  private readonly dirty = new Map<number, DirtyBlock>();
  /** Block ids asked for while a block fills, so its upload need not wait for one (see reserve). */
  private spare: { a: Allocated; at: number }[] = [];
  private reserving?: Promise<void>;
  private readonly uploading = new Map<number, Promise<void>>();
  /** Size or times changed locally and not yet committed. */
  private metaDirty = false;
  /** Commits go one at a time so the master sees sizes in the order we made them. */
  private commitChain: Promise<unknown> = Promise.resolve();
  private lastReadEnd = -1;
  /** Reads in a row that began near where the one before ended. */
  private nearRun = 0;
  private failure?: DfsError;
  refs = 0;
  readonly blockSize: number;

  constructor(private readonly core: ClientCore, info: Meta) {
    const attr = info.attr as Attr;
    this.ino = attr.ino;
    this.attr = attr;
    this.size = attr.size;
    this.blockSize = info.blockSize as number;
    this.key = Buffer.from(info.key as string, 'base64');
    this.applyInfo(info);
  }

  /** Takes the master's block list (at open, or on refresh), unless local changes are pending. */
  applyInfo(info: Meta): void {
    this.blocks = (info.blocks as (RemoteBlock | null)[]).slice();
    if (Array.isArray(info.spare)) for (const a of info.spare as Allocated[]) this.spare.push({ a, at: Date.now() });
    if (typeof info.ticket === 'string') this.ticket = info.ticket;
    this.infoTime = Date.now();
    const attr = info.attr as Attr;
    if (!this.hasLocalChanges()) {
      this.attr = attr;
      this.size = attr.size;
    }
  }

  hasLocalChanges(): boolean {
    return this.dirty.size > 0 || this.uploading.size > 0 || this.metaDirty;
  }

  /** Attributes with the local size, which may be ahead of the master's. */
  view(): Attr {
    return { ...this.attr, size: this.size };
  }

  // ---- reading ----

  async read(pos: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(Math.max(0, Math.min(length, this.size - pos)));
    const n = await this.readInto(pos, out);
    return out.subarray(0, n);
  }

  /**
   * Copies the bytes at `pos` into `dst` (up to its length, stopping at end of file) and
   * returns how many: one copy from the cached plaintext straight into the caller's memory.
   */
  async readInto(pos: number, dst: Buffer): Promise<number> {
    const end = Math.min(pos + dst.length, this.size);
    if (pos >= end) return 0;
    const bs = this.blockSize;
    // Near where the last read ended (the kernel's read-ahead keeps up to a dozen 128 KiB
    // requests in flight, which may arrive out of order), or at the start. One near read may
    // be chance (a random reader lands near its last read now and then, and whole blocks plus
    // read-ahead would cost it megabytes); a large one, or a second in a row, is not.
    const near = pos === 0 || (this.lastReadEnd >= 0 && Math.abs(pos - this.lastReadEnd) <= NEAR_BYTES);
    this.nearRun = near ? this.nearRun + 1 : 0;
    const sequential = near && (this.nearRun >= 2 || dst.length >= SEGMENT);
    const first = Math.floor(pos / bs);
    const last = Math.floor((end - 1) / bs);
    const parts: Promise<void>[] = [];
    for (let idx = first; idx <= last; idx++) {
      const from = Math.max(pos, idx * bs);
      const to = Math.min(end, (idx + 1) * bs);
      const d = this.dirty.get(idx);
      if (d) {
        // copied now, not after an await: a dirty buffer is recycled once committed
        const at = from - idx * bs;
        const have = Math.max(0, Math.min(to - idx * bs, d.length) - at);
        if (have > 0) d.data.copy(dst, from - pos, at, at + have);
        if (have < to - from) dst.fill(0, from - pos + have, to - pos);
        continue;
      }
      parts.push(
        this.plainPiece(idx, from - idx * bs, to - idx * bs, sequential).then((piece) => {
          const have = piece ? copyPlain(piece, from - idx * bs, to - idx * bs, dst, from - pos) : 0;
          // a hole, or a block shorter than the file reaches: zeros
          if (have < to - from) dst.fill(0, from - pos + have, to - pos);
        }),
      );
    }
    await Promise.all(parts);
    if (sequential) {
      this.readAhead(last + 1);
      this.dropBehind(pos, dst.length);
    }
    this.lastReadEnd = end;
    return end - pos;
  }

  /**
   * Plaintext covering bytes [from, to) of block `idx`; undefined for a hole. A sequential
   * reader gets whole blocks (one round trip a block, and the reads after this one find
   * theirs at hand) and read-ahead; a random one, unless they are at hand, only the 64 KiB
   * segments it touches, so a 4 KiB read costs one segment and not a 4 MiB block.
   */
  private async plainPiece(idx: number, from: number, to: number, sequential: boolean): Promise<Plain | undefined> {
    const d = this.dirty.get(idx);
    if (d) return { parts: [d.data.subarray(0, d.length)], start: 0 };
    await this.refreshIfStale();
    const b = this.blocks[idx];
    if (!b) return undefined;
    const first = Math.floor(from / SEGMENT);
    const last = Math.floor((Math.min(to, b.size) - 1) / SEGMENT);
    if (last < first) return undefined; // past the stored bytes: zeros
    const span = sequential ? wholeBlock(b) : { first, last };
    return { parts: await this.core.cache.segments(b.id, first, last, span, (lo, hi) => this.fetch(b, lo, hi)), start: first * SEGMENT };
  }

  /**
   * A streaming reader at `pos` is done with the blocks that end more than NEAR_BYTES before
   * it (the kernel's requests arrive out of order only within its read-ahead window), so
   * they leave the cache: it then holds about the read-ahead, not the last 256 MiB read.
   * The blocks passed since the previous read, `length` bytes ago, are the ones to drop.
   */
  private dropBehind(pos: number, length: number): void {
    const passed = Math.floor((pos - NEAR_BYTES) / this.blockSize) - 1;
    const since = Math.ceil(length / this.blockSize) + 1;
    for (let idx = passed; idx >= 0 && idx > passed - since; idx--) {
      const b = this.blocks[idx];
      if (b) this.core.cache.drop(b.id);
    }
  }

  /** Starts loading the next blocks, whole; nothing waits for them (a failed load is retried by the real read). */
  private readAhead(from: number): void {
    const to = Math.min(from + DEFAULTS.clientReadahead, Math.ceil(this.size / this.blockSize));
    for (let idx = from; idx < to; idx++) {
      const b = this.blocks[idx];
      if (this.dirty.has(idx) || !b) continue;
      this.core.cache.prefetch(b.id, wholeBlock(b), (lo, hi) => this.fetch(b, lo, hi));
    }
  }

  /** The plaintexts of segments first..last of a remote block. */
  private async fetch(b: RemoteBlock, first: number, last: number, retried = false): Promise<Buffer[]> {
    const identity = { ino: this.ino, index: b.index, id: b.id };
    const whole = first === 0 && last === wholeBlock(b).last;
    try {
      const key = this.blockKey();
      return await this.core.io.get(
        b,
        // the segments asked for, not as many as came back: a reply cut short is EIO
        (sealed: Buffer) => openSegments(key, identity, b.size, first, last, sealed),
        (node: string) => this.core.reportCorrupt(this.ino, this.ticket, b.id, node),
        whole ? undefined : sealedRange(b.size, first, last),
      );
    } catch (err) {
      if (retried) throw err;
      // an expired capability or a replica list gone stale: ask the master again, once
      await this.refresh();
      const fresh = this.blocks[b.index];
      if (!fresh || fresh.id !== b.id) throw new DfsError('EIO', `block ${b.index} changed while it was read`);
      return this.fetch(fresh, first, last, true);
    }
  }

  private blockKey(): BlockKey {
    this.cryptoKey ??= importBlockKey(this.key);
    return this.cryptoKey;
  }

  private async refreshIfStale(): Promise<void> {
    if (Date.now() - this.infoTime > DEFAULTS.capabilityTtlMs / 2) await this.refresh();
  }

  async refresh(): Promise<void> {
    const before = this.commits;
    const info = (await this.core.call('fs.blocks', { ino: this.ino, ticket: this.ticket })).meta;
    if (this.commits === before) {
      this.applyInfo(info);
      return;
    }
    // a commit of ours landed while the answer travelled: keep our newer slots and take
    // only the capabilities and replica lists of the blocks both sides agree on
    for (const b of info.blocks as (RemoteBlock | null)[]) {
      if (b && this.blocks[b.index]?.id === b.id) this.blocks[b.index] = b;
    }
  }

  // ---- writing ----

  async write(pos: number, data: Buffer): Promise<number> {
    this.throwIfFailed();
    const bs = this.blockSize;
    let off = 0;
    const full: number[] = [];
    while (off < data.length) {
      const at = pos + off;
      const idx = Math.floor(at / bs);
      const inBlock = at % bs;
      const n = Math.min(bs - inBlock, data.length - off);
      const blk = await this.dirtyBlock(idx, inBlock === 0 && n === bs);
      // a write past the valid bytes leaves a gap that must read as zeros
      if (inBlock > blk.length) blk.data.fill(0, blk.length, inBlock);
      data.copy(blk.data, inBlock, off, off + n);
      blk.length = Math.max(blk.length, inBlock + n);
      blk.version++;
      // a writer that reached the end of the block is done with it: send it. (Not "the block
      // is full": a block read back for an overwrite is full from its first write, and was
      // sent again after every one of the writes that followed.)
      if (inBlock + n === bs) full.push(idx);
      off += n;
    }
    if (pos + data.length > this.size) this.size = pos + data.length;
    this.metaDirty = true;
    for (const idx of full) this.startUpload(idx);
    await this.backpressure();
    return data.length;
  }

  private async dirtyBlock(idx: number, whole: boolean): Promise<DirtyBlock> {
    let d = this.dirty.get(idx);
    if (d) return d;
    // bytes past the end of file in a kept block must read as zeros
    const valid = Math.max(0, Math.min(this.blockSize, this.size - idx * this.blockSize));
    let plain: Buffer[] | undefined;
    // nothing to read for a whole-block write, or for a block wholly past the end of file
    // (appending: asking the master for the block list there would cost a call per block)
    if (!whole && valid > 0) {
      plain = (await this.plainPiece(idx, 0, this.blockSize, true))?.parts;
      // another write may have made the block dirty while we fetched
      d = this.dirty.get(idx);
      if (d) return d;
    }
    const data = this.core.pool(this.blockSize).take();
    let length = 0;
    for (const part of plain ?? []) {
      const n = Math.min(part.length, valid - length);
      if (n <= 0) break;
      part.copy(data, length, 0, n);
      length += n;
    }
    // no zero-filling here: bytes past `length` are never read or sent (see write and readInto)
    d = { data, length, version: 0, pins: 0, dropped: false };
    this.dirty.set(idx, d);
    this.reserve();
    return d;
  }

  /** Takes a block out of the dirty map; its buffer is recycled once no upload needs it. */
  private dropDirty(idx: number): void {
    const d = this.dirty.get(idx);
    if (!d) return;
    this.dirty.delete(idx);
    d.dropped = true;
    if (d.pins === 0) this.core.pool(this.blockSize).give(d.data);
  }

  private unpin(d: DirtyBlock): void {
    d.pins--;
    if (d.pins === 0 && d.dropped) this.core.pool(this.blockSize).give(d.data);
  }

  /** Keeps buffered bytes bounded: past the limit, a writer waits for uploads. */
  private async backpressure(): Promise<void> {
    while (this.dirty.size * this.blockSize > DEFAULTS.clientDirtyBytes) {
      const waiting = [...this.uploading.values()];
      if (waiting.length === 0) {
        // nothing full to send: send the oldest partial blocks
        const idx = this.dirty.keys().next().value as number;
        this.startUpload(idx);
        continue;
      }
      await Promise.race(waiting);
      this.throwIfFailed();
    }
  }

  private startUpload(idx: number): void {
    if (this.uploading.has(idx)) return;
    const p = this.uploadAndCommit([idx]).finally(() => {
      if (this.uploading.get(idx) === p) this.uploading.delete(idx);
    });
    this.uploading.set(idx, p);
    p.catch((err: unknown) => {
      this.failure ??= err instanceof DfsError ? err : new DfsError('EIO', String(err));
    });
  }

  private throwIfFailed(): void {
    if (this.failure) {
      const f = this.failure;
      this.failure = undefined;
      throw f;
    }
  }

  /**
   * A block that starts to fill will need a block id at upload: ask the master now, in the
   * background, so a close() or a full block does not wait a round trip for one.
   */
  private reserve(): void {
    if (this.reserving || this.spare.length >= this.dirty.size) return;
    this.reserving = this.core
      .call('fs.allocate', { ino: this.ino, ticket: this.ticket, count: 1 })
      .then(
        (r) => {
          for (const a of r.meta.blocks as Allocated[]) this.spare.push({ a, at: Date.now() });
        },
        () => undefined, // the upload asks again, and reports the failure
      )
      .finally(() => {
        this.reserving = undefined;
      });
  }

  /** Gives the master back block ids this file was handed and never used. */
  returnSpare(): void {
    if (this.spare.length === 0) return;
    const ids = this.spare.splice(0).map((x) => x.a.id);
    this.core.call('fs.unallocate', { ino: this.ino, ticket: this.ticket, ids }).catch(() => undefined); // they expire anyway
  }

  private async allocate(count: number): Promise<Allocated[]> {
    if (this.reserving) await this.reserving;
    // a reserved id carries a write capability: use it well within its lifetime
    const fresh = Date.now() - DEFAULTS.capabilityTtlMs / 4;
    this.spare = this.spare.filter((x) => x.at > fresh);
    const out = this.spare.splice(0, count).map((x) => x.a);
    if (out.length < count) {
      const more = (await this.core.call('fs.allocate', { ino: this.ino, ticket: this.ticket, count: count - out.length })).meta.blocks as Allocated[];
      out.push(...more);
    }
    return out;
  }

  /**
   * Seals, uploads and commits the given dirty blocks (plus the current size), riding out a
   * master restart: while the master cannot be reached, or has forgotten the block ids it
   * handed out (allocations live in its memory), the whole step runs again with fresh ids,
   * for up to DEFAULTS.writeRetryMs. The bytes are still here: a dirty block leaves only
   * once its commit lands. A repeated commit is harmless: it points the same slots at new
   * ids, and the blocks of the earlier attempt become garbage or orphans the master sweeps.
   */
  private async uploadAndCommit(indices: number[], final = false): Promise<void> {
    const deadline = Date.now() + DEFAULTS.writeRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.uploadAndCommitOnce(indices, final);
      } catch (err) {
        const e = toDfsError(err);
        const retry =
          e.reason === STALE_ALLOCATION || e.reason === NO_NODES_REASON || e.code === 'ECONNREFUSED' || (e.code === 'ENOTCONN' && e.reason !== CLOSED_REASON);
        if (!retry || Date.now() > deadline) throw e;
        this.spare = []; // handed out before the restart: forgotten with it
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }

  private async uploadAndCommitOnce(indices: number[], final: boolean): Promise<void> {
    const snaps = indices
      .map((index) => ({ index, blk: this.dirty.get(index) }))
      .filter((s): s is { index: number; blk: DirtyBlock } => s.blk !== undefined)
      .map((s) => ({ index: s.index, blk: s.blk, version: s.blk.version, length: s.blk.length }));
    for (const s of snaps) s.blk.pins++;
    const pinned = new Set(snaps);
    const unpin = (s: (typeof snaps)[number]): void => {
      if (pinned.delete(s)) this.unpin(s.blk);
    };
    const placed: Placed[] = [];
    try {
      if (snaps.length) {
        const alloc = await this.allocate(snaps.length);
        await Promise.all(
          snaps.map((s, i) =>
            this.core.uploads.run(async () => {
              const a = alloc[i];
              const sealedPool = this.core.pool(sealedLength(this.blockSize));
              const into = sealedPool.take();
              const sealed = sealBlock(this.blockKey(), { ino: this.ino, index: s.index, id: a.id }, s.blk.data.subarray(0, s.length), into);
              unpin(s); // the plaintext has been read
              const stored = await this.core.putReplicated(this.ino, this.ticket, s.index, a, sealed);
              sealedPool.give(into); // every replica has answered: no socket holds it any more
              placed.push({ index: s.index, id: stored.id, size: s.length, nodes: stored.nodes });
            }),
          ),
        );
      }
    } finally {
      for (const s of snaps) unpin(s);
    }
    await this.commit(placed, final, snaps);
  }

  private commit(placed: Placed[], final: boolean, snaps: { index: number; blk: DirtyBlock; version: number }[]): Promise<void> {
    const run = async (): Promise<void> => {
      const bs = this.blockSize;
      // A background commit publishes only up to the blocks it sends, so a crash never
      // leaves a size that covers bytes still in this process's buffers.
      let size = this.size;
      if (!final) {
        const reach = Math.max(this.attr.size, ...placed.map((p) => Math.min(this.size, (p.index + 1) * bs)));
        size = Math.min(this.size, reach);
      }
      const reply = await this.core.call('fs.commit', { ino: this.ino, ticket: this.ticket, size, blocks: placed });
      this.commits++;
      this.attr = reply.meta.attr as Attr;
      for (const p of placed) {
        const s = snaps.find((x) => x.index === p.index)!;
        const stillSame = this.dirty.get(p.index) === s.blk && s.blk.version === s.version;
        this.blocks[p.index] = {
          index: p.index, id: p.id, size: p.size,
          nodes: p.nodes.map((id) => ({ id, url: this.core.nodeUrl(id) ?? '' })).filter((n) => n.url),
          cap: '',
        };
        if (stillSame) this.dropDirty(p.index);
      }
      // the caps of freshly written blocks come from the master on the next refresh
      this.infoTime = 0;
      if (final && this.dirty.size === 0) this.metaDirty = false;
    };
    const p = this.commitChain.then(run, run);
    this.commitChain = p.catch(() => undefined);
    return p;
  }

  /** Makes every write so far durable on the storage nodes and visible at the master. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.uploading.values()]);
    this.throwIfFailed();
    if (!this.hasLocalChanges()) return;
    await this.uploadAndCommit([...this.dirty.keys()], true);
  }

  async truncate(size: number): Promise<void> {
    this.throwIfFailed();
    await Promise.allSettled([...this.uploading.values()]);
    const bs = this.blockSize;
    const keep = Math.ceil(size / bs);
    for (const idx of [...this.dirty.keys()]) if (idx >= keep) this.dropDirty(idx);
    if (size < this.size && size % bs !== 0) {
      // the block that now ends the file must not keep the old bytes past the end
      const idx = Math.floor(size / bs);
      const blk = await this.dirtyBlock(idx, false);
      blk.length = Math.min(blk.length, size % bs);
      blk.version++;
    }
    if (this.blocks.length > keep) this.blocks.length = keep;
    this.size = size;
    this.metaDirty = true;
  }
}
