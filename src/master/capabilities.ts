// What the master signs: block capabilities for storage nodes (an op on a block, until a
// time: src/protocol/capability.ts) and open tickets for itself (proof that a session reached
// an inode through directories it may search). Keys never leave the master but for the
// capability key, which storage nodes learn when they join.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { signCapability, type BlockOp } from '../protocol/capability.js';
import { REASON } from '../protocol/reasons.js';
import { DfsError } from '../rpc/errors.js';
import type { Caller } from './permissions.js';

export class Capabilities {
  constructor(
    /** Shared with the storage nodes. */
    readonly capKey: Buffer,
    /** Known to the master alone. */
    private readonly ticketKey: Buffer,
  ) {}

  /** "op on block id", valid DEFAULTS.capabilityTtlMs. */
  sign(op: BlockOp, id: string): string {
    return signCapability(this.capKey, op, id, Date.now() + DEFAULTS.capabilityTtlMs);
  }

  /**
   * Proof that this session reached inode `ino` by a path it may search (fs.open, fs.create).
   * Calls that name a file by inode number (fs.blocks, fs.allocate, fs.commit) demand it, so
   * knowing or guessing an inode number does not bypass the directories' permissions.
   * Stateless: an HMAC of ino and session, valid as long as the session. An open for writing
   * gets a write ticket (`write`), by which the file's data may be changed whatever its mode
   * becomes, as a descriptor open for writing may (POSIX checks permission at open).
   */
  ticket(c: Caller, ino: number, write = false): string {
    return createHmac('sha256', this.ticketKey)
      .update(`${ino}:${c.session ?? ''}${write ? ':w' : ''}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /** Checks a ticket of either kind; answers whether it is a write ticket. */
  checkTicket(c: Caller, ino: number, ticket: unknown): boolean {
    const got = Buffer.from(typeof ticket === 'string' ? ticket : '');
    for (const write of [false, true]) {
      const want = Buffer.from(this.ticket(c, ino, write));
      if (got.length === want.length && timingSafeEqual(got, want)) return write;
    }
    throw new DfsError('EACCES', 'open the file by its path first', { reason: REASON.noOpenTicket });
  }
}
