// How a writer's upload-and-commit step (open-file.ts) rides out what is not its fault:
// while the master cannot be reached, or has forgotten the block ids it handed out
// (allocations live in its memory), the whole step runs again with fresh ids, for up to the
// client's writeRetryMs (limits.ts), pausing longer each time. A commit refused because
// another client replaced one of the blocks first is rebuilt on the new block and sent again.
import { REASON } from '../protocol/reasons.js';
import { DfsError, toDfsError } from '../rpc/errors.js';

/** Commits refused because another client changed a block first, rebuilt and sent again, before giving up with EIO. */
const REBASE_ATTEMPTS = 20;

export interface WriteStep {
  /** One try of the whole step. */
  once(): Promise<void>;
  /** Rebuilds the blocks on what the master holds now, after a commit refused for a stale base. */
  rebase(): Promise<void>;
  /** The master lost the block ids it handed out (it restarted): drop them before the next try. */
  restarted(): void;
}

/** Whether `e` says the master is away or restarting (so the step may succeed later), not that the step is wrong. */
function masterAway(e: DfsError): boolean {
  return e.reason === REASON.staleAllocation || e.reason === REASON.noNodes || e.code === 'ECONNREFUSED' || (e.code === 'ENOTCONN' && e.reason !== REASON.closed);
}

/** Runs `step` until it succeeds, fails for a reason of its own, or `retryMs` pass. */
export async function withWriteRetries(step: WriteStep, retryMs: number): Promise<void> {
  const deadline = Date.now() + retryMs;
  let rebases = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await step.once();
    } catch (err) {
      const e = toDfsError(err);
      if (e.reason === REASON.staleBase) {
        if (++rebases > REBASE_ATTEMPTS) throw new DfsError('EIO', `the file kept changing under this write: ${e.message}`);
        await step.rebase();
        continue;
      }
      if (!masterAway(e) || Date.now() > deadline) throw e;
      step.restarted();
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}
