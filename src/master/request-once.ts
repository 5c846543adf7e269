// Changes made once, however often a client sends them. A client that loses the connection
// to the master (a restart, a network blip) sends its call again, and cannot tell whether the
// first try was done: a mkdir whose reply was lost would come back EEXIST, an unlink ENOENT, a
// commit would be applied twice. So each call carries a request id (`rid`, fresh per call and
// the same on every try), and the changes it makes are journaled in one batch with a
// 'request' record naming it (records.ts). A try whose request is on record is not done again:
// it is answered as done, from the state as it is now (as NFS servers answer a retransmission
// from their duplicate request cache; this one is journaled, so it survives the restart that
// lost the reply). Ids are remembered for DEFAULTS.requestMemoryMs, and per session: another
// session's ids mean nothing.
import { AsyncLocalStorage } from 'node:async_hooks';
import { optStr } from '../rpc/params.js';
import type { Handler, Handlers, Incoming, Peer, Reply } from '../rpc/peer.js';
import type { Caller } from './permissions.js';

/** The key of the request being served, read by Master.mutate to journal it with its changes. */
export const currentRequest = new AsyncLocalStorage<string>();

/** How a method that was done already answers a retry. */
export type Replay<C> = (req: Incoming, peer: Peer<C>, c: Caller) => Promise<Reply | void> | Reply | void;

export interface RequestLedger {
  caller(meta: Incoming['meta']): Caller;
  /** Whether the request is on record, waiting until its record is durable when it is. */
  requestDone(key: string): Promise<boolean>;
}

/** Key of a request: the session (a hash prefix) and the id the client chose. */
function requestKey(c: Caller, rid: string): string {
  return `${(c.session ?? '').slice(0, 16)}:${rid}`;
}

/** `handlers` with each method in `replays` made exactly-once for calls that carry a request id. */
export function once<C>(ledger: RequestLedger, handlers: Handlers<C>, replays: Record<string, Replay<C>>): Handlers<C> {
  const out: Handlers<C> = { ...handlers };
  for (const [method, replay] of Object.entries(replays)) {
    const handler: Handler<C> = handlers[method];
    out[method] = async (req, peer) => {
      const rid = optStr(req.meta, 'rid', 64);
      if (rid === undefined) return handler(req, peer);
      const c = ledger.caller(req.meta);
      const key = requestKey(c, rid);
      if (await ledger.requestDone(key)) return replay(req, peer, c);
      return currentRequest.run(key, () => handler(req, peer));
    };
  }
  return out;
}
