// An open file as the master and the storage nodes hold it: its attributes, its block list
// with the capabilities to read each block, the ticket that shows this session opened it,
// and its blocks' bytes read back and decrypted through the client's cache. OpenFile
// (open-file.ts) adds this process's writes on top.
import { PAGE, SEGMENT, sealedRange, slotReach } from '../protocol/block-format.js';
import { DEFAULTS } from '../defaults.js';
import type { OpenInfo, RemoteBlock, RemoteOverlay } from '../protocol/methods.js';
import type { Attr } from '../protocol/types.js';
import type { ClientCore } from './core.js';
import { importBlockKey, openSegments, type BlockKey } from './crypto.js';
import { copyPlain, wholeBlock, type Plain } from './plaintext.js';
import { headOf, overlayRuns, positions } from './slot-layout.js';

export abstract class StoredFile {
  readonly ino: number;
  readonly blockSize: number;
  attr: Attr;
  private readonly key: Buffer;
  private cryptoKey?: BlockKey;
  /** Bumped by every commit, so a refresh that raced one does not undo it. */
  protected commits = 0;
  protected blocks: (RemoteBlock | null)[] = [];
  /** When the block list (and its capabilities) came from the master; 0: take it again before reading. */
  protected infoTime = 0;
  /** The master's proof that this session opened the file by path; by-inode calls show it. */
  protected ticket = '';
  /** The ticket is a write ticket (OpenInfo.writable). */
  protected writable = false;

  constructor(
    protected readonly core: ClientCore,
    info: OpenInfo,
  ) {
    this.ino = info.attr.ino;
    this.attr = info.attr;
    this.blockSize = info.blockSize;
    this.key = Buffer.from(info.key, 'base64');
  }

  /** Takes the master's block list, ticket and attributes (at open, or on refresh). */
  abstract applyInfo(info: OpenInfo): void;

  /**
   * Bytes [from, to) of the block stored in slot `idx`, and its id (null for a hole). A read
   * that fails (a capability expired, the replicas moved, or another client replaced the
   * block and its old copies were collected) asks the master for the file's blocks again,
   * once, and reads what the slot holds now.
   */
  protected async stored(idx: number, from: number, to: number, sequential: boolean): Promise<{ id: string | null; plain?: Plain }> {
    await this.refreshIfStale();
    for (let attempt = 0; ; attempt++) {
      const b = this.blocks[idx];
      if (!b) return { id: null };
      const reach = slotReach(b);
      if (from >= reach) return { id: headOf(b) }; // past the stored bytes: zeros
      const first = Math.floor(from / SEGMENT);
      const last = Math.floor((Math.min(to, reach) - 1) / SEGMENT);
      if (last < first) return { id: headOf(b) };
      try {
        if (b.over?.length) return { id: headOf(b), plain: await this.layered(b, from, Math.min(to, reach), sequential) };
        const span = sequential ? wholeBlock(b) : { first, last };
        const parts = await this.core.cache.segments(b.id, first, last, span, (lo, hi) => this.fetch(b, lo, hi));
        return { id: b.id, plain: { parts, start: first * SEGMENT } };
      } catch (err) {
        if (attempt > 0) throw err;
        await this.refresh();
      }
    }
  }

  /**
   * The pages covering bytes [from, to) of a slot with overlays, composed in one buffer: the
   * block's bytes, then each page from the newest overlay that holds it (slot-layout.ts);
   * zeros where neither reaches.
   */
  private async layered(b: RemoteBlock, from: number, to: number, sequential: boolean): Promise<Plain> {
    const start = Math.floor(from / PAGE) * PAGE;
    const end = Math.min(Math.ceil(to / PAGE) * PAGE, slotReach(b));
    const first = Math.floor(start / SEGMENT);
    const last = Math.floor((end - 1) / SEGMENT);
    const out = Buffer.alloc(end - start);
    const runs = overlayRuns(b, start, end);
    const pages = runs.map((run) => this.core.cache.segments(run.overlay.id, run.first, run.last, run, (lo, hi) => this.fetchOverlay(b.index, run.overlay, lo, hi)));
    if (b.size > start) {
      const baseLast = Math.min(last, Math.floor((b.size - 1) / SEGMENT));
      const span = sequential ? wholeBlock(b) : { first, last: baseLast };
      const parts = await this.core.cache.segments(b.id, first, baseLast, span, (lo, hi) => this.fetch(b, lo, hi));
      copyPlain({ parts, start: first * SEGMENT }, start, end, out, 0);
    }
    const got = await Promise.all(pages);
    runs.forEach((run, i) => {
      let at = run.first * PAGE - start;
      for (const page of got[i]) {
        page.copy(out, at, 0, Math.max(0, Math.min(page.length, out.length - at)));
        at += PAGE;
      }
    });
    return { parts: [out], start };
  }

  /** The plaintexts of slot pages first..last, which overlay `o` of slot `index` holds in a row. */
  private fetchOverlay(index: number, o: RemoteOverlay, first: number, last: number): Promise<Buffer[]> {
    const identity = { ino: this.ino, index, id: o.id };
    const at = positions(o, first, last);
    const key = this.blockKey();
    const object: RemoteBlock = { index, id: o.id, size: o.size, nodes: o.nodes, cap: o.cap };
    return this.core.io.get(
      object,
      (sealed: Buffer) => openSegments(key, identity, o.size, at.first, at.last, sealed, o.pages),
      (node: string) => this.core.reportCorrupt(this.ino, this.ticket, o.id, node),
      sealedRange(o.size, at.first, at.last, PAGE),
    );
  }

  /** The plaintexts of segments first..last of a remote block. */
  protected fetch(b: RemoteBlock, first: number, last: number): Promise<Buffer[]> {
    const identity = { ino: this.ino, index: b.index, id: b.id };
    const whole = first === 0 && last === wholeBlock(b).last;
    const key = this.blockKey();
    return this.core.io.get(
      b,
      // the segments asked for, not as many as came back: a reply cut short is EIO
      (sealed: Buffer) => openSegments(key, identity, b.size, first, last, sealed),
      (node: string) => this.core.reportCorrupt(this.ino, this.ticket, b.id, node),
      whole ? undefined : sealedRange(b.size, first, last),
    );
  }

  protected blockKey(): BlockKey {
    this.cryptoKey ??= importBlockKey(this.key);
    return this.cryptoKey;
  }

  protected async refreshIfStale(): Promise<void> {
    if (Date.now() - this.infoTime > DEFAULTS.capabilityTtlMs / 2) await this.refresh();
  }

  async refresh(): Promise<void> {
    const before = this.commits;
    const info = await this.core.call('fs.blocks', { ino: this.ino, ticket: this.ticket });
    if (this.commits === before) {
      this.applyInfo(info);
      return;
    }
    // a commit of ours landed while the answer travelled: keep our newer slots and take
    // only the capabilities and replica lists of the blocks both sides agree on
    for (const b of info.blocks) {
      if (b && headOf(this.blocks[b.index]) === headOf(b)) this.blocks[b.index] = b;
    }
  }
}
