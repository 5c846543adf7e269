// Files clients hold open. A file whose last name goes while a client holds it lives on as
// an orphan (records 'unlink'/'rename' with keep), readable and writable through the open
// handles, as on a local file system, with no hidden file left in a directory; it is
// forgotten (record 'forget') when the last holder lets go. Holds belong to a client (its
// id, stable across reconnects): a client that drops off keeps them for a grace period, in
// which it dials in again and states them anew (client.hello); after that they go. After a
// master restart nobody holds anything yet, so every orphan, and every file that loses its
// last name, is kept for the grace period.
export class Holds {
  /** Client → its held inodes. */
  private readonly byClient = new Map<string, Set<number>>();
  /** Clients gone, and when their holds lapse. */
  private readonly lapsing = new Map<string, number>();
  /** Inode → how many clients hold it. */
  private readonly count = new Map<number, number>();
  private graceUntil = 0;

  constructor(private readonly graceMs: number) {}

  /** The master started from metadata it kept: its clients had files open that they have not stated yet. */
  restarted(now = Date.now()): void {
    this.graceUntil = now + this.graceMs;
  }

  hold(client: string, ino: number): void {
    let set = this.byClient.get(client);
    if (!set) this.byClient.set(client, (set = new Set()));
    if (set.has(ino)) return;
    set.add(ino);
    this.count.set(ino, (this.count.get(ino) ?? 0) + 1);
  }

  /** The client let go of `ino`; true when nobody holds it any more. */
  release(client: string, ino: number): boolean {
    const set = this.byClient.get(client);
    if (!set?.delete(ino)) return false;
    const n = (this.count.get(ino) ?? 1) - 1;
    if (n > 0) {
      this.count.set(ino, n);
      return false;
    }
    this.count.delete(ino);
    return true;
  }

  /** A client dialled in again and says what it holds: that, and nothing else, is its now. Answers the inodes nobody holds any more. */
  restate(client: string, inos: number[]): number[] {
    this.lapsing.delete(client);
    const want = new Set(inos);
    const freed: number[] = [];
    for (const ino of [...(this.byClient.get(client) ?? [])]) if (!want.has(ino) && this.release(client, ino)) freed.push(ino);
    for (const ino of want) this.hold(client, ino);
    return freed;
  }

  /** The client's link closed: its holds lapse after the grace period unless it comes back. */
  disconnected(client: string, now = Date.now()): void {
    if (this.byClient.get(client)?.size) this.lapsing.set(client, now + this.graceMs);
  }

  /** Whether anyone holds `ino` (or might still: the grace period after a restart). */
  isHeld(ino: number, now = Date.now()): boolean {
    return this.count.has(ino) || now < this.graceUntil;
  }

  /** Lets the holds of clients gone for longer than the grace period go; answers the inodes nobody holds any more. */
  expire(now = Date.now()): number[] {
    const freed: number[] = [];
    for (const [client, until] of this.lapsing) {
      if (until > now) continue;
      this.lapsing.delete(client);
      for (const ino of [...(this.byClient.get(client) ?? [])]) if (this.release(client, ino)) freed.push(ino);
      this.byClient.delete(client);
    }
    return freed;
  }

  /** Whether the grace period after start-up is over (orphans nobody claimed may go). */
  pastGrace(now = Date.now()): boolean {
    return now >= this.graceUntil;
  }
}
