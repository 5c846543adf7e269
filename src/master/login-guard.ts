// Slows and then locks out password guessing, per user name and per remote address.
// The counters live in memory only: they are throttling state, not file-system state,
// and writing every failed guess to the journal would hand an attacker the disk.
//
// A guess being checked counts against the limit before its answer is known: with 4
// failures and a limit of 5, only one more guess is checked at a time, and a guess that
// arrives meanwhile is turned away unchecked (EAGAIN, login-busy, which the client sends
// again). So parallel guesses get no more wrong-password answers than the limit.
import { REASON } from '../protocol/reasons.js';
import { DfsError } from '../rpc/errors.js';

export interface LoginLimits {
  /** Failures against one user name within `windowMs` that lock the name. */
  maxFailuresPerUser: number;
  /** Failures from one address within `windowMs` that lock the address. */
  maxFailuresPerAddress: number;
  windowMs: number;
  /** How long a lock lasts. */
  lockoutMs: number;
  /** A failed attempt is answered after this many ms times the failures so far… */
  failureDelayMs: number;
  /** …but never later than this. */
  maxDelayMs: number;
  /** Names and addresses tracked at once; the oldest are forgotten past it. */
  maxTracked: number;
  /** Password checks computed at once (scrypt is CPU- and memory-heavy). */
  concurrency: number;
  /** Logins waiting for a check before more get EAGAIN. */
  maxWaiting: number;
  /** Logins one address may have in progress at once. */
  maxPerAddress: number;
}

interface Tally {
  failures: number;
  first: number;
  lockedUntil: number;
}

/** One guess admitted by `LoginGuard.attempt`: exactly one of its ends is called. */
export interface LoginAttempt {
  /** The guess was wrong: counted; returns how long to wait before replying. */
  fail(): number;
  /** The guess was right: the user's tally is cleared. */
  succeed(): void;
  /** Neither (a second factor asked for, an error): the guess is not counted. */
  end(): void;
}

export class LoginGuard {
  private readonly tallies = new Map<string, Tally>();
  /** Guesses being checked, per user and address key: they count against the limit. */
  private readonly checking = new Map<string, number>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: LoginLimits) {}

  /**
   * Waits for a turn to check a password; returns the function that ends the turn.
   * Checks run a few at a time, so a flood queues (boundedly) instead of starving the
   * thread pool, and failures are counted before the next guess is looked at.
   */
  async enter(address: string): Promise<() => void> {
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.limits.maxPerAddress || this.waiting.length >= this.limits.maxWaiting) {
      throw new DfsError('EAGAIN', 'too many logins in progress; try again shortly', { reason: REASON.loginBusy });
    }
    this.perAddress.set(address, mine + 1);
    if (this.active >= this.limits.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
      this.waiting.shift()?.();
    };
  }

  /**
   * Admits one guess for `user` from `address`: EACCES (reason 'locked-out') while either is
   * locked, EAGAIN (login-busy) while the guesses being checked could reach the limit.
   */
  attempt(user: string, address: string, now = Date.now()): LoginAttempt {
    const keys: [string, number][] = [
      [`u:${user}`, this.limits.maxFailuresPerUser],
      [`a:${address}`, this.limits.maxFailuresPerAddress],
    ];
    for (const [key] of keys) {
      const t = this.live(key, now);
      if (t && t.lockedUntil > now) {
        const secs = Math.ceil((t.lockedUntil - now) / 1000);
        const who = key.startsWith('u:') ? `user ${user}` : 'this address';
        throw new DfsError('EACCES', `too many failed logins for ${who}; try again in ${secs} s`, { reason: REASON.lockedOut });
      }
    }
    for (const [key, max] of keys) {
      const t = this.live(key, now);
      const failures = t && t.lockedUntil === 0 ? t.failures : 0;
      if (failures + (this.checking.get(key) ?? 0) >= max) {
        throw new DfsError('EAGAIN', 'another login for this name or address is being checked; try again shortly', { reason: REASON.loginBusy });
      }
    }
    for (const [key] of keys) this.checking.set(key, (this.checking.get(key) ?? 0) + 1);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      for (const [key] of keys) {
        const n = (this.checking.get(key) ?? 1) - 1;
        if (n <= 0) this.checking.delete(key);
        else this.checking.set(key, n);
      }
    };
    return {
      fail: () => {
        if (ended) return 0;
        end();
        const at = Date.now();
        const u = this.bump(keys[0][0], keys[0][1], at);
        const a = this.bump(keys[1][0], keys[1][1], at);
        return Math.min(this.limits.maxDelayMs, this.limits.failureDelayMs * Math.max(u, a));
      },
      succeed: () => {
        end();
        this.tallies.delete(keys[0][0]); // the address keeps its own
      },
      end,
    };
  }

  private live(key: string, now: number): Tally | undefined {
    const t = this.tallies.get(key);
    if (t && t.lockedUntil <= now && now - t.first > this.limits.windowMs) {
      this.tallies.delete(key);
      return undefined;
    }
    return t;
  }

  private bump(key: string, max: number, now: number): number {
    let t = this.live(key, now);
    if (!t) {
      this.makeRoom(now);
      t = { failures: 0, first: now, lockedUntil: 0 };
      this.tallies.set(key, t);
    }
    if (t.lockedUntil > 0 && t.lockedUntil <= now) {
      // a lock ran out: start counting afresh
      t.failures = 0;
      t.first = now;
      t.lockedUntil = 0;
    }
    t.failures++;
    if (t.failures >= max) t.lockedUntil = now + this.limits.lockoutMs;
    return t.failures;
  }

  private makeRoom(now: number): void {
    if (this.tallies.size < this.limits.maxTracked) return;
    for (const key of [...this.tallies.keys()]) this.live(key, now);
    // Map order is insertion order: the first keys are the oldest
    for (const key of this.tallies.keys()) {
      if (this.tallies.size < this.limits.maxTracked) break;
      this.tallies.delete(key);
    }
  }
}
