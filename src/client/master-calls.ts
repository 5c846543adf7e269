// Calls to the master that ride out a short restart. A call that finds the master
// unreachable (connection refused, or lost before the reply came) is sent again, with a
// growing pause, for up to DEFAULTS.metadataRetryMs. Every try carries the same request id
// (`rid`), so a change whose reply was lost is answered as done by the master, not done twice
// (src/master/request-once.ts). Calls that are never retried: a client closed on purpose,
// and watchers that judge the master's health themselves (`retryMs: 0`). A call that still
// fails ends with ECONNREFUSED (the master refuses connections) or ETIMEDOUT (it never
// answered): never ENOTCONN, which a mount reports as a dead mount.
import { REASON } from '../protocol/reasons.js';
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import type { RpcClient } from '../rpc/client.js';
import { DfsError, toDfsError } from '../rpc/errors.js';
import type { Meta } from '../rpc/frame.js';
import type { Incoming } from '../rpc/peer.js';

export interface CallOptions {
  /** How long to go on trying (default DEFAULTS.metadataRetryMs; 0: one try). */
  retryMs?: number;
}

/** The master could not be reached (or was lost), so the call may be sent again. */
function unreachable(e: DfsError): boolean {
  return e.code === 'ECONNREFUSED' || (e.code === 'ENOTCONN' && e.reason !== REASON.closed);
}

/** Request ids: unique to this process (a random prefix) and to the call (a counter); cheaper than random bytes a call. */
const ridPrefix = randomBytes(9).toString('base64url');
let ridCounter = 0;

export async function callMaster(master: RpcClient, method: string, meta: Meta, options: CallOptions = {}): Promise<Incoming> {
  const retryMs = options.retryMs ?? DEFAULTS.metadataRetryMs;
  const body = { ...meta, rid: `${ridPrefix}${(ridCounter++).toString(36)}` };
  const deadline = Date.now() + retryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await master.call(method, body);
    } catch (err) {
      const e = toDfsError(err);
      if (!unreachable(e)) throw e;
      if (Date.now() >= deadline) {
        if (e.code === 'ENOTCONN')
          throw new DfsError('ETIMEDOUT', `the master did not answer ${method}${retryMs ? ` for ${Math.round(retryMs / 1000)} s` : ''}: ${e.detail || e.message}`);
        throw e;
      }
    }
    const pause = Math.min(DEFAULTS.metadataRetryMaxPauseMs, DEFAULTS.metadataRetryPauseMs * 2 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
  }
}
