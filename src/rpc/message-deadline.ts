// A deadline for each WebSocket message a server receives: once its first byte has come,
// the whole message must be in within `ms`, or the connection is closed. Without it a peer
// could announce a 4 MiB frame and send a byte a second, holding its connection (and the
// buffer ws grows for it) for ever. The socket's bytes are followed through RFC 6455 frame
// headers (length and mask only; ws itself parses the frames): a message is under way from
// the first byte of a data frame to the end of the frame that has FIN set; control frames may
// come in between. A server that has stopped reading the connection (backpressure, see
// peer.ts) does not count that time against the peer.
import type { Duplex } from 'node:stream';

/** Where the follower is in the byte stream. */
type State = 'header' | 'payload';

export class MessageDeadline {
  private state: State = 'header';
  /** Header bytes gathered so far (at most 14). */
  private header = Buffer.alloc(0);
  private payloadLeft = 0;
  /** A data message whose last frame has not come yet. */
  private fragmented = false;
  private timer?: NodeJS.Timeout;
  /** When the message under way began, less the time reading was paused. */
  private startedAt = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly ms: number,
    private readonly isPaused: () => boolean,
    private readonly onExpire: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.once('close', () => this.stop());
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private get midMessage(): boolean {
    return this.state === 'payload' || this.header.length > 0 || this.fragmented;
  }

  private feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'payload') {
        const n = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= n;
        at += n;
        if (this.payloadLeft === 0) this.state = 'header';
        continue;
      }
      const need = this.headerLength();
      const take = Math.min(chunk.length - at, (need ?? 2) - this.header.length);
      this.header = Buffer.concat([this.header, chunk.subarray(at, at + take)]);
      at += take;
      const full = this.headerLength();
      if (full === undefined || this.header.length < full) continue;
      this.frameHeader();
    }
    if (this.midMessage) this.arm();
    else this.stop();
  }

  /** Bytes of the frame header being gathered, once its first two bytes say; undefined before. */
  private headerLength(): number | undefined {
    if (this.header.length < 2) return undefined;
    const len7 = this.header[1] & 0x7f;
    const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const mask = this.header[1] & 0x80 ? 4 : 0;
    return 2 + ext + mask;
  }

  private frameHeader(): void {
    const h = this.header;
    const fin = (h[0] & 0x80) !== 0;
    const control = (h[0] & 0x08) !== 0;
    const len7 = h[1] & 0x7f;
    // a length past 2^53 is no frame ws will take; it closes the connection itself
    const length = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
    if (!control) this.fragmented = !fin;
    this.header = Buffer.alloc(0);
    this.payloadLeft = length;
    this.state = length > 0 ? 'payload' : 'header';
  }

  private arm(): void {
    if (this.timer) return;
    this.startedAt = Date.now();
    this.schedule(this.ms);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.midMessage) return;
      // time the server spent not reading is not the peer's
      if (this.isPaused()) {
        this.startedAt += 1000;
        this.schedule(1000);
        return;
      }
      const left = this.startedAt + this.ms - Date.now();
      if (left > 0) return this.schedule(left);
      this.onExpire();
    }, ms);
    this.timer.unref();
  }
}
