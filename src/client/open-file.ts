// The client's view of one open file, shared by every handle on it in this process, so
// handles see each other's writes at once. Writes land in per-block buffers; full blocks
// are sealed, uploaded and committed in the background, the rest on flush. Blocks are
// immutable: every upload is a new block id, and a commit swaps ids in the master's list.
//
// What a commit may change (the rule the master enforces with it): a block goes in only in
// place of the stored block it was built on (its base), so bytes this client never wrote
// cannot come back from an old copy; a write commit can only grow the size, up to the end
// of this client's writes; and a truncate reaches the master at once, with the block that
// then ends the file cut to the new size, so no byte a truncate cut off survives anywhere.
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import type { Attr } from '../protocol/types.js';
import { PAGE, sealedLength, slotReach } from '../protocol/block-format.js';
import { sealBlock } from './crypto.js';
import type { ClientCore } from './core.js';
import type { OpenInfo } from '../protocol/methods.js';
import {
  dirtyFrom,
  layWritten,
  rebuildOn,
  release,
  releaseSparse,
  sparseBlock,
  unpin,
  writeSparse,
  type CommitKind,
  type DirtyBlock,
  type OverlaySnapshot,
  type Placed,
  type Snapshot,
} from './dirty-block.js';
import { copyPlain, wholeBlock, type Plain } from './plaintext.js';
import { ReadPattern } from './read-pattern.js';
import { headOf } from './slot-layout.js';
import { SpareIds } from './spare-ids.js';
import { StoredFile } from './stored-file.js';
import { withWriteRetries } from './write-retry.js';

export class OpenFile extends StoredFile {
  size: number;
  private readonly dirty = new Map<number, DirtyBlock>();
  /** Bytes the dirty blocks hold: a block buffer each, or a sparse block's page buffers. */
  private buffered = 0;
  /** Block ids at hand before an upload needs them. */
  private readonly spare: SpareIds;
  private readonly uploading = new Map<number, Promise<void>>();
  /** Size or times changed locally and not yet committed. */
  private metaDirty = false;
  /**
   * The end of the furthest write since the last commit that covered all of them: what a
   * commit asks the size to grow to (the master keeps the larger of it and the file's size,
   * so a size another client cut is not put back by a write that did not reach it).
   */
  private writeEnd = 0;
  /** Bumped by every write, so a commit knows whether writes came in while it travelled. */
  private writes = 0;
  /** Commits go one at a time so the master sees sizes in the order we made them. */
  private commitChain: Promise<unknown> = Promise.resolve();
  private readonly reads = new ReadPattern();
  private failure?: DfsError;
  refs = 0;

  constructor(core: ClientCore, info: OpenInfo) {
    super(core, info);
    this.size = info.attr.size;
    this.spare = new SpareIds(core, this.ino, () => this.ticket);
    this.applyInfo(info);
  }

  /** Takes the master's block list (at open, or on refresh), unless local changes are pending. */
  override applyInfo(info: OpenInfo): void {
    this.blocks = info.blocks.slice();
    this.spare.add(info.spare ?? []);
    // a file shared by handles keeps the write ticket of one opened for writing (open-file sharing)
    if (info.writable || !this.writable) {
      this.ticket = info.ticket;
      this.writable = info.writable === true;
    }
    this.infoTime = Date.now();
    this.takeAttr(info.attr);
  }

  /** The master's attributes; the local size is theirs unless writes here reach further. */
  private takeAttr(attr: Attr): void {
    this.attr = attr;
    this.size = Math.max(attr.size, this.writeEnd);
  }

  /** The end of the writes here that no commit has published yet (0 when none). */
  get unpublishedEnd(): number {
    return this.writeEnd;
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
    const sequential = this.reads.sequential(pos, dst.length);
    const first = Math.floor(pos / bs);
    const last = Math.floor((end - 1) / bs);
    const parts: Promise<void>[] = [];
    for (let idx = first; idx <= last; idx++) {
      const from = Math.max(pos, idx * bs);
      const to = Math.min(end, (idx + 1) * bs);
      parts.push(this.readSlot(idx, from - idx * bs, to - idx * bs, sequential, dst, from - pos));
    }
    await Promise.all(parts);
    if (sequential) {
      this.readAhead(last + 1);
      this.dropBehind(pos, dst.length);
    }
    this.reads.ended(end);
    return end - pos;
  }

  /**
   * Copies bytes [from, to) of slot `idx` into `dst` at `at`: from a dirty block's buffer,
   * or from what is stored (with the bytes a sparse dirty block holds laid over it).
   */
  private async readSlot(idx: number, from: number, to: number, sequential: boolean, dst: Buffer, at: number): Promise<void> {
    const d = this.dirty.get(idx);
    if (d && !d.sparse) {
      // copied now, not after an await: a dirty buffer is recycled once committed
      const have = Math.max(0, Math.min(to, d.length) - from);
      if (have > 0) d.buf.data.copy(dst, at, from, from + have);
      if (have < to - from) dst.fill(0, at + have, at + to - from);
      return;
    }
    const piece = await this.plainPiece(idx, from, to, sequential);
    const now = this.dirty.get(idx);
    // the dirty block was committed and dropped while the stored bytes came (they may be the
    // older ones), or became dirty, or whole: read it again as it is now
    if (now !== d || (d && !d.sparse)) return this.readSlot(idx, from, to, sequential, dst, at);
    const have = piece ? copyPlain(piece, from, to, dst, at) : 0;
    // a hole, or a block shorter than the file reaches: zeros
    if (have < to - from) dst.fill(0, at + have, at + to - from);
    if (d) layWritten(d, from, to, dst, at);
  }

  /**
   * Plaintext covering bytes [from, to) of block `idx`; undefined for a hole. A sequential
   * reader gets whole blocks (one round trip a block, and the reads after this one find
   * theirs at hand) and read-ahead; a random one, unless they are at hand, only the 64 KiB
   * segments it touches, so a 4 KiB read costs one segment and not a 4 MiB block.
   */
  private async plainPiece(idx: number, from: number, to: number, sequential: boolean): Promise<Plain | undefined> {
    return (await this.stored(idx, from, to, sequential)).plain;
  }

  /**
   * The blocks a streaming reader at `pos` is done with leave the cache (read-pattern.ts):
   * it then holds about the read-ahead, not the last 256 MiB read.
   */
  private dropBehind(pos: number, length: number): void {
    for (const idx of ReadPattern.behind(pos, length, this.blockSize)) {
      const b = this.blocks[idx];
      if (b) for (const o of [b, ...(b.over ?? [])]) this.core.cache.drop(o.id);
    }
  }

  /** Starts loading the next blocks, whole; nothing waits for them (a failed load is retried by the real read). */
  private readAhead(from: number): void {
    const to = Math.min(from + this.core.limits.readaheadBlocks, Math.ceil(this.size / this.blockSize));
    for (let idx = from; idx < to; idx++) {
      const b = this.blocks[idx];
      if (this.dirty.has(idx) || !b) continue;
      this.core.cache.prefetch(b.id, wholeBlock(b), (lo, hi) => this.fetch(b, lo, hi));
    }
  }

  // ---- writing ----

  /** The largest file the master keeps: EFBIG past it, as a local file system's s_maxbytes. */
  get maxSize(): number {
    return DEFAULTS.maxBlocksPerFile * this.blockSize;
  }

  async write(pos: number, data: Buffer): Promise<number> {
    this.throwIfFailed();
    // as Linux: nothing at or past the largest size, a short write up to it
    if (data.length > 0 && pos >= this.maxSize) throw new DfsError('EFBIG', `a file holds at most ${this.maxSize} bytes`);
    if (pos + data.length > this.maxSize) data = data.subarray(0, this.maxSize - pos);
    const bs = this.blockSize;
    let off = 0;
    const full: number[] = [];
    while (off < data.length) {
      const at = pos + off;
      const idx = Math.floor(at / bs);
      const inBlock = at % bs;
      const n = Math.min(bs - inBlock, data.length - off);
      const blk = await this.dirtyBlock(idx, inBlock === 0 && n === bs);
      if (blk.sparse) {
        const pages = this.core.pool(PAGE);
        this.buffered += PAGE * writeSparse(blk, inBlock, data.subarray(off, off + n), () => pages.take());
      } else {
        const buf = blk.buf.data;
        // a write past the valid bytes leaves a gap that must read as zeros
        if (inBlock > blk.length) buf.fill(0, blk.length, inBlock);
        data.copy(buf, inBlock, off, off + n);
        blk.extents.add(inBlock, inBlock + n);
      }
      blk.length = Math.max(blk.length, inBlock + n);
      blk.version++;
      // a writer that reached the end of the block is done with it: send it. (Not "the block
      // is full": a block read back for an overwrite is full from its first write, and was
      // sent again after every one of the writes that followed.)
      if (inBlock + n === bs) full.push(idx);
      off += n;
    }
    this.writes++;
    this.writeEnd = Math.max(this.writeEnd, pos + data.length);
    if (this.writeEnd > this.size) this.size = this.writeEnd;
    this.metaDirty = true;
    if (full.length) this.startUploads(full);
    await this.backpressure();
    return data.length;
  }

  /** The dirty block of slot `idx`, made from what is stored there unless `whole` (the write covers it all). */
  private async dirtyBlock(idx: number, whole: boolean): Promise<DirtyBlock> {
    for (;;) {
      const d = this.dirty.get(idx);
      if (d) return d;
      const slot = this.blocks[idx];
      let base = headOf(slot);
      let plain: Buffer[] | undefined;
      const valid = this.validIn(idx);
      if (!whole && slot && valid > 0) {
        // a write into stored bytes reads nothing now: it is sent as an overlay of the
        // pages it touched, with the stored bytes around it read then (composeOverlay)
        const made = sparseBlock(base, valid);
        this.dirty.set(idx, made);
        this.spare.reserve(this.dirty.size);
        return made;
      }
      // nothing to read for a whole-block write, or for a block wholly past the end of file
      // (appending: asking the master for the block list there would cost a call per block)
      if (!whole && this.size > idx * this.blockSize) {
        const got = await this.stored(idx, 0, this.blockSize, true);
        if (this.dirty.has(idx)) continue; // another write made it dirty while we fetched
        base = got.id;
        plain = got.plain?.parts;
      }
      // bytes past the end of file in a kept block must read as zeros (the size as it is
      // after the read, which may have brought the master's newer one)
      const made = dirtyFrom(this.core.pool(this.blockSize), plain, this.validIn(idx), base);
      this.dirty.set(idx, made);
      this.buffered += this.blockSize;
      // its upload will need a block id: ask now, in the background, so it need not wait for one
      this.spare.reserve(this.dirty.size);
      return made;
    }
  }

  /** Takes a block out of the dirty map; its buffer is recycled once no upload needs it. */
  private dropDirty(idx: number): void {
    const d = this.dirty.get(idx);
    if (!d) return;
    this.dirty.delete(idx);
    this.buffered -= this.heldBy(d);
    if (d.sparse) releaseSparse(d, this.core.pool(PAGE));
    else release(d.buf, this.core.pool(this.blockSize));
  }

  /** How many bytes of slot `idx` a file of `size` bytes (this one, with the writes here) covers. */
  private validIn(idx: number, size = this.size): number {
    return Math.max(0, Math.min(this.blockSize, size - idx * this.blockSize));
  }

  /** Bytes of buffers dirty block `d` holds. */
  private heldBy(d: DirtyBlock): number {
    return d.sparse ? d.sparse.size * PAGE : this.blockSize;
  }

  /**
   * Keeps buffered bytes bounded: at half the limit the partial blocks go out together, in
   * one commit, while writes go on into new buffers; past the limit a writer waits.
   */
  private async backpressure(): Promise<void> {
    const limit = this.core.limits.dirtyBytes;
    if (this.buffered > limit / 2 && this.uploading.size === 0) this.startUploads([...this.dirty.keys()]);
    while (this.buffered > limit) {
      const waiting = [...new Set(this.uploading.values())];
      if (waiting.length === 0) {
        this.startUploads([...this.dirty.keys()]);
        continue;
      }
      await Promise.race(waiting);
      this.throwIfFailed();
    }
  }

  /** Uploads and commits the given blocks (those not on their way already), in one commit. */
  private startUploads(indices: number[]): void {
    const todo = indices.filter((idx) => !this.uploading.has(idx));
    if (todo.length === 0) return;
    const p = this.uploadAndCommit(todo).finally(() => {
      for (const idx of todo) if (this.uploading.get(idx) === p) this.uploading.delete(idx);
    });
    for (const idx of todo) this.uploading.set(idx, p);
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

  /** Gives the master back block ids this file was handed and never used. */
  returnSpare(): void {
    this.spare.giveBack();
  }

  /**
   * Seals, uploads and commits the given dirty blocks (plus the size), riding out a master
   * restart (write-retry.ts). The bytes are still here: a dirty block leaves only once its
   * commit lands. A repeated commit is harmless: it points the same slots at new ids, and
   * the blocks of the earlier attempt become garbage or orphans the master sweeps.
   */
  private uploadAndCommit(indices: number[], kind: CommitKind = {}): Promise<void> {
    return withWriteRetries(
      {
        once: () => this.uploadAndCommitOnce(indices, kind),
        rebase: () => this.rebase(),
        restarted: () => this.spare.forget(),
      },
      this.core.limits.writeRetryMs,
    );
  }

  private async uploadAndCommitOnce(indices: number[], kind: CommitKind): Promise<void> {
    if (kind.truncate !== undefined) indices = await this.cutFor(kind.truncate);
    // sparse blocks first (they read what is stored around their bytes): each goes as an
    // overlay, or, when it has become most of its slot, as a whole block
    const overlays: OverlaySnapshot[] = [];
    await Promise.all(
      indices.map(async (index) => {
        const blk = this.dirty.get(index);
        if (!blk?.sparse) return;
        const o = await this.composeOverlay(index, blk);
        if (o) overlays.push(o);
        else await this.toWhole(index, blk);
      }),
    );
    const snaps: Snapshot[] = [];
    for (const index of indices) {
      const blk = this.dirty.get(index);
      if (blk && !blk.sparse) snaps.push({ index, blk, buf: blk.buf, version: blk.version, length: blk.length, base: blk.base });
    }
    for (const s of snaps) s.buf.pins++;
    const pinned = new Set(snaps);
    const done = (s: Snapshot): void => {
      if (pinned.delete(s)) unpin(s.buf, this.core.pool(this.blockSize));
    };
    const placed: Placed[] = [];
    try {
      if (snaps.length + overlays.length) {
        const alloc = await this.spare.take(snaps.length + overlays.length);
        await Promise.all([
          ...overlays.map((o, i) =>
            this.core.uploads.run(async () => {
              const a = alloc[snaps.length + i];
              const sealed = sealBlock(this.blockKey(), { ino: this.ino, index: o.index, id: a.id }, o.plain, undefined, o.pages);
              const stored = await this.core.putReplicated(this.ino, this.ticket, o.index, a, sealed);
              placed.push({ index: o.index, id: stored.id, size: o.plain.length, nodes: stored.nodes, base: o.base, pages: o.pages });
            }),
          ),
          ...snaps.map((s, i) =>
            this.core.uploads.run(async () => {
              const a = alloc[i];
              const sealedPool = this.core.pool(sealedLength(this.blockSize));
              const into = sealedPool.take();
              const sealed = sealBlock(this.blockKey(), { ino: this.ino, index: s.index, id: a.id }, s.buf.data.subarray(0, s.length), into);
              done(s); // the plaintext has been read
              const stored = await this.core.putReplicated(this.ino, this.ticket, s.index, a, sealed);
              sealedPool.give(into); // every replica has answered: no socket holds it any more
              placed.push({ index: s.index, id: stored.id, size: s.length, nodes: stored.nodes, base: s.base });
            }),
          ),
        ]);
      }
    } finally {
      for (const s of snaps) done(s);
    }
    await this.commit(placed, kind, [...snaps, ...overlays]);
  }

  /**
   * What sparse block `d` of slot `idx` sends: its dirty pages whole, each the stored
   * bytes with the ones written here over them, as an overlay on the slot's present
   * contents. With many overlays on the slot already, theirs go in it too, so that it
   * replaces them (block-overlays.ts). Undefined when the block should go whole instead
   * (an overlay would be much of the slot, or there is no stored block to lie over).
   */
  private async composeOverlay(idx: number, d: DirtyBlock): Promise<OverlaySnapshot | undefined> {
    await this.refreshIfStale();
    for (;;) {
      const b = this.blocks[idx];
      if (!b) return undefined;
      const head = headOf(b);
      const chosen = new Set(d.sparse!.keys());
      if ((b.over?.length ?? 0) >= DEFAULTS.clientOverlayFold) for (const o of b.over!) for (const p of o.pages) chosen.add(p);
      // what the slot holds: the stored bytes (none past the file's end) and the written ones
      const reach = Math.min(slotReach(b), this.validIn(idx));
      const length = Math.max(reach, d.extents.end);
      const pages = [...chosen].filter((p) => p * PAGE < length).sort((x, y) => x - y);
      if (pages.length * PAGE * 2 >= length) return undefined;
      const end = (p: number): number => Math.min((p + 1) * PAGE, length);
      // the stored bytes of the pages not written whole here
      const need = pages.filter((p) => p * PAGE < reach && !d.extents.coversRange(p * PAGE, end(p)));
      const pieces = await Promise.all(need.map((p) => this.stored(idx, p * PAGE, Math.min(end(p), reach), false)));
      if (this.dirty.get(idx) !== d || !d.sparse) return undefined;
      if (headOf(this.blocks[idx]) !== head) continue; // the slot changed while its bytes came
      const plain = Buffer.allocUnsafe((pages.length - 1) * PAGE + (end(pages[pages.length - 1]) - pages[pages.length - 1] * PAGE));
      const stored = new Map(need.map((p, i) => [p, pieces[i].plain]));
      pages.forEach((p, j) => {
        const from = p * PAGE;
        const into = plain.subarray(j * PAGE, j * PAGE + end(p) - from);
        const piece = stored.get(p);
        const have = piece ? copyPlain(piece, from, Math.min(end(p), reach), into, 0) : 0;
        into.fill(0, have);
        layWritten(d, from, end(p), into, 0);
      });
      return { index: idx, blk: d, version: d.version, base: head, plain, pages };
    }
  }

  /**
   * Makes sparse block `d` of slot `idx` a whole one: the stored block read, the bytes
   * written here laid over it. For a truncate that cuts it, and for an overlay that would
   * be most of its slot.
   */
  private async toWhole(idx: number, d: DirtyBlock): Promise<void> {
    const bs = this.blockSize;
    const valid = this.validIn(idx);
    // nothing stored to read when every byte was written here (an overwrite in place)
    const got = d.extents.coversRange(0, valid) ? { id: headOf(this.blocks[idx]) } : await this.stored(idx, 0, bs, true);
    if (this.dirty.get(idx) !== d || !d.sparse) return;
    const whole = dirtyFrom(this.core.pool(bs), got.plain?.parts, valid, got.id);
    const end = d.extents.end;
    if (end > whole.length) whole.buf.data.fill(0, whole.length, end);
    layWritten(d, 0, end, whole.buf.data, 0);
    this.buffered += bs - this.heldBy(d);
    releaseSparse(d, this.core.pool(PAGE));
    d.sparse = undefined;
    d.buf = whole.buf;
    d.length = Math.max(whole.length, end);
    d.base = got.id;
    d.version++;
  }

  /**
   * Before a truncate to `size`: drops the dirty blocks past the new end and cuts the one
   * that will end the file. That block goes with the truncate (returned) when the stored
   * copy holds bytes past the new end, which must not outlive the truncate at the master.
   */
  private async cutFor(size: number): Promise<number[]> {
    const bs = this.blockSize;
    const keep = Math.ceil(size / bs);
    for (const idx of [...this.dirty.keys()]) if (idx >= keep) this.dropDirty(idx);
    const off = size % bs;
    if (off === 0) return [];
    const idx = Math.floor(size / bs);
    const slot = this.blocks[idx];
    const storedLonger = (slot ? slotReach(slot) : 0) > off;
    if (!storedLonger && !this.dirty.has(idx)) return [];
    const d = await this.dirtyBlock(idx, false);
    if (d.sparse) await this.toWhole(idx, d);
    if (d.length > off) {
      d.length = off;
      d.extents.clip(off);
      d.version++;
    }
    return storedLonger ? [idx] : [];
  }

  /**
   * After a commit was refused because another client replaced a block first, or when the
   * master says another client changed the file: the master's block list, and the dirty
   * blocks rebuilt on it.
   */
  async rebase(): Promise<void> {
    await this.refresh();
    await this.rebaseDirty();
  }

  /**
   * Rebuilds every dirty block whose base is no longer what the block list (as last heard
   * from the master) holds in its slot: on the stored block, with the bytes written here
   * over it. Nothing to do, and no call, when the bases still hold.
   */
  async rebaseDirty(): Promise<void> {
    const bs = this.blockSize;
    for (const [idx, d] of [...this.dirty]) {
      const now = headOf(this.blocks[idx]);
      if (d.base === now) continue;
      // a sparse block reads the stored bytes when it is sent: nothing to rebuild
      if (d.extents.covers(bs) || d.sparse) {
        d.base = now; // every byte is ours: nothing of the old base to replace
        continue;
      }
      const got = now === null ? { id: null } : await this.stored(idx, 0, bs, true);
      if (this.dirty.get(idx) !== d) continue; // cut by a truncate meanwhile
      rebuildOn(d, this.core.pool(bs), got.plain?.parts, this.validIn(idx, this.attr.size), got.id);
    }
  }

  private commit(placed: Placed[], kind: CommitKind, sent: Pick<Snapshot, 'index' | 'blk' | 'version' | 'base'>[]): Promise<void> {
    const snaps = new Map(sent.map((s) => [s.index, s]));
    const run = async (): Promise<void> => {
      const bs = this.blockSize;
      // A truncate sets the size; a write commit asks it to grow to the end of the writes it
      // publishes. A background commit publishes only up to the blocks it sends, so a crash
      // never leaves a size that covers bytes still in this process's buffers.
      let size = this.writeEnd;
      if (kind.truncate !== undefined) size = kind.truncate;
      else if (!kind.final) size = Math.min(this.writeEnd, Math.max(0, ...placed.map((p) => (p.index + 1) * bs)));
      const reply = await this.core.call('fs.commit', {
        ino: this.ino,
        ticket: this.ticket,
        size,
        blocks: placed,
        ...(kind.truncate === undefined ? {} : { truncate: true }),
      });
      this.commits++;
      for (const p of placed) {
        const s = snaps.get(p.index)!;
        const nodes = p.nodes.map((id) => ({ id, url: this.core.nodeUrl(id) ?? '' })).filter((n) => n.url);
        const old = this.blocks[p.index];
        // an overlay goes on top of the slot (the master also drops the ones it covers; the
        // next refresh says which)
        if (p.pages && old) this.blocks[p.index] = { ...old, over: [...(old.over ?? []), { id: p.id, size: p.size, pages: p.pages, nodes, cap: '' }] };
        else this.blocks[p.index] = { index: p.index, id: p.id, size: p.size, nodes, cap: '' };
        if (this.dirty.get(p.index) !== s.blk) continue;
        if (s.blk.version === s.version) this.dropDirty(p.index);
        // written to since: what it holds now builds on the block just committed
        else if (s.blk.base === s.base) s.blk.base = p.id;
      }
      if (kind.truncate !== undefined && this.blocks.length > Math.ceil(size / bs)) this.blocks.length = Math.ceil(size / bs);
      if (kind.final && this.dirty.size === 0) {
        this.metaDirty = false;
        this.writeEnd = 0;
      }
      this.takeAttr(reply.attr);
      // the master's answer holds the slots as they are now, with capabilities; a retried
      // commit's does not: then they come with the next refresh
      if (reply.blocks) {
        for (const b of reply.blocks) if (b && b.index < this.blocks.length) this.blocks[b.index] = b;
      } else {
        this.infoTime = 0;
      }
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
    await this.uploadAndCommit([...this.dirty.keys()], { final: true });
  }

  /**
   * Sets the size at the master at once, after the writes before it: what it cuts off is
   * gone for every reader, here and in other clients, before this returns.
   */
  async truncate(size: number): Promise<void> {
    this.throwIfFailed();
    if (size > this.maxSize) throw new DfsError('EFBIG', `a file holds at most ${this.maxSize} bytes`);
    await Promise.allSettled([...this.uploading.values()]);
    this.throwIfFailed();
    this.writeEnd = Math.min(this.writeEnd, size);
    await this.uploadAndCommit([], { truncate: size });
  }
}
