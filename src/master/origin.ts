// Which connection a change came from, for the length of the request that makes it: the
// master tells every other connection of the change (leases.ts), not the one that made it,
// whose reply already carries the new state.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Handler, Handlers } from '../rpc/peer.js';
import type { ConnContext } from './context.js';

export const currentOrigin = new AsyncLocalStorage<string>();

/** Every handler run with its connection's id as the origin of what it changes. */
export function withOrigin(handlers: Handlers<ConnContext>): Handlers<ConnContext> {
  const out: Handlers<ConnContext> = {};
  for (const [method, h] of Object.entries(handlers)) {
    const wrapped: Handler<ConnContext> = (req, peer) => currentOrigin.run(peer.context.id, () => h(req, peer));
    out[method] = wrapped;
  }
  return out;
}
