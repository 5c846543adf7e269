// Block ids an open file holds before it needs them (open-file.ts): handed out with the
// file's open info, or asked for in the background while a block fills, so an upload (a
// close, a full block) does not wait a round trip for one. Each id carries a write
// capability, so one is used only well within that capability's lifetime; the unused ones
// go back to the master at close.
import { DEFAULTS } from '../defaults.js';
import type { Allocated } from '../protocol/methods.js';
import type { ClientCore } from './core.js';

export class SpareIds {
  private spare: { a: Allocated; at: number }[] = [];
  private reserving?: Promise<void>;

  /** `ticket`: the master's proof that this session opened file `ino` (it changes on refresh). */
  constructor(
    private readonly core: Pick<ClientCore, 'call'>,
    private readonly ino: number,
    private readonly ticket: () => string,
  ) {}

  /** Ids the master handed out unasked (with the open info). */
  add(ids: readonly Allocated[]): void {
    for (const a of ids) this.spare.push({ a, at: Date.now() });
  }

  /** Asks for one more in the background, unless `wanted` are at hand or one is on its way. */
  reserve(wanted: number): void {
    if (this.reserving || this.spare.length >= wanted) return;
    this.reserving = this.core
      .call('fs.allocate', { ino: this.ino, ticket: this.ticket(), count: 1 })
      .then(
        (r) => this.add(r.blocks),
        () => undefined, // the upload asks again, and reports the failure
      )
      .finally(() => {
        this.reserving = undefined;
      });
  }

  /** `count` ids to upload blocks under: the spare ones still fresh, and the rest from the master. */
  async take(count: number): Promise<Allocated[]> {
    if (this.reserving) await this.reserving;
    // a reserved id carries a write capability: use it well within its lifetime
    const fresh = Date.now() - DEFAULTS.capabilityTtlMs / 4;
    this.spare = this.spare.filter((x) => x.at > fresh);
    const out = this.spare.splice(0, count).map((x) => x.a);
    if (out.length < count) {
      const more = (await this.core.call('fs.allocate', { ino: this.ino, ticket: this.ticket(), count: count - out.length })).blocks;
      out.push(...more);
    }
    return out;
  }

  /** The master restarted: the ids it handed out before are forgotten with it. */
  forget(): void {
    this.spare = [];
  }

  /** Gives the master back the ids never used. */
  giveBack(): void {
    if (this.spare.length === 0) return;
    const ids = this.spare.splice(0).map((x) => x.a.id);
    this.core.call('fs.unallocate', { ino: this.ino, ticket: this.ticket(), ids }).catch(() => undefined); // they expire anyway
  }
}
