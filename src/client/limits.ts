// The limits one client works within: how far a reader loads ahead, how many written bytes
// an open file holds before its writer waits, how long a writer rides out a master that is
// away. Each defaults to its entry in src/defaults.ts; a client given others in its options
// (ClientOptions.limits) keeps to those, so two clients in one process (a mount and a copy,
// two tests) can differ.
import { DEFAULTS } from '../defaults.js';

export interface ClientLimits {
  /** Blocks a sequential reader loads ahead of the one it reads (default DEFAULTS.clientReadahead; 0: none). */
  readonly readaheadBlocks: number;
  /** Written bytes one open file buffers before a writer waits for uploads (default DEFAULTS.clientDirtyBytes). */
  readonly dirtyBytes: number;
  /** How long an upload or commit that cannot reach the master tries again (default DEFAULTS.writeRetryMs). */
  readonly writeRetryMs: number;
}

/** The limits `given`, each one left out taken from DEFAULTS. */
export function clientLimits(given: Partial<ClientLimits> = {}): ClientLimits {
  return {
    readaheadBlocks: given.readaheadBlocks ?? DEFAULTS.clientReadahead,
    dirtyBytes: given.dirtyBytes ?? DEFAULTS.clientDirtyBytes,
    writeRetryMs: given.writeRetryMs ?? DEFAULTS.writeRetryMs,
  };
}
