// The wire format, defined once. Every WebSocket binary message is one frame:
//
//   offset  size  field
//   0       1     kind     0 request, 1 reply ok, 2 reply error
//   1       4     id       request id (u32 BE), echoed by the reply
//   5       1     mlen     method name length (requests; 0 in replies)
//   6       mlen  method   ASCII method name, e.g. "fs.stat"
//   ..      4     jlen     length of the JSON metadata (u32 BE)
//   ..      jlen  meta     UTF-8 JSON object (for errors: {code, message})
//   ..      rest  payload  raw bytes (block data), never JSON or base64
import { DfsError } from './errors.js';

export const FRAME_KIND = { request: 0, ok: 1, error: 2 } as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];
export type Meta = Record<string, unknown>;

export interface Frame {
  kind: FrameKind;
  id: number;
  method: string;
  meta: Meta;
  payload: Buffer;
}

const METHOD_RE = /^[a-z][a-zA-Z0-9.]{0,63}$/;
const EMPTY = Buffer.alloc(0);

export function encodeFrame(kind: FrameKind, id: number, method: string, meta: Meta, payload?: Buffer): Buffer[] {
  const m = Buffer.from(method, 'ascii');
  const j = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(10 + m.length + j.length);
  head.writeUInt8(kind, 0);
  head.writeUInt32BE(id >>> 0, 1);
  head.writeUInt8(m.length, 5);
  m.copy(head, 6);
  head.writeUInt32BE(j.length, 6 + m.length);
  j.copy(head, 10 + m.length);
  return payload && payload.length ? [head, payload] : [head];
}

/** Parses one message; throws DfsError('EPROTO') on anything malformed. */
export function decodeFrame(buf: Buffer): Frame {
  if (buf.length < 10) throw new DfsError('EPROTO', 'frame shorter than its header');
  const kind = buf.readUInt8(0);
  if (kind > 2) throw new DfsError('EPROTO', `unknown frame kind ${kind}`);
  const id = buf.readUInt32BE(1);
  const mlen = buf.readUInt8(5);
  if (10 + mlen > buf.length) throw new DfsError('EPROTO', 'method runs past the frame');
  const method = buf.toString('ascii', 6, 6 + mlen);
  if (kind === FRAME_KIND.request && !METHOD_RE.test(method)) throw new DfsError('EPROTO', 'bad method name');
  const jlen = buf.readUInt32BE(6 + mlen);
  const jstart = 10 + mlen;
  if (jlen > buf.length - jstart) throw new DfsError('EPROTO', 'metadata length runs past the frame');
  let meta: unknown = {};
  if (jlen > 0) {
    try {
      meta = JSON.parse(buf.toString('utf8', jstart, jstart + jlen));
    } catch {
      throw new DfsError('EPROTO', 'metadata is not JSON');
    }
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new DfsError('EPROTO', 'metadata is not an object');
  }
  const payload = jstart + jlen < buf.length ? buf.subarray(jstart + jlen) : EMPTY;
  return { kind: kind as FrameKind, id, method, meta: meta as Meta, payload };
}

/**
 * Parses a message that arrived as WebSocket fragments. A sender splits a frame with a
 * payload into [header, payload] (see Peer.send); when the first fragment holds exactly the
 * header, the payload fragment is used as it is instead of being joined into a copy.
 */
export function decodeFragments(parts: Buffer[]): Frame {
  if (parts.length === 2 && parts[0].length >= 10) {
    const head = parts[0];
    const mlen = head.readUInt8(5);
    if (10 + mlen <= head.length && 10 + mlen + head.readUInt32BE(6 + mlen) === head.length) {
      return { ...decodeFrame(head), payload: parts[1] };
    }
  }
  return decodeFrame(parts.length === 1 ? parts[0] : Buffer.concat(parts));
}
