// Ctrl-C (SIGINT), SIGTERM and SIGHUP during a transfer: what the transfer made so far (a
// remote temporary file, a local partial one) is removed before the process exits, so an
// interrupted `put` or `get` leaves nothing behind. The exit status is 128 + the signal's
// number, as a shell reports a process killed by it.
import { constants } from 'node:os';
import { DEFAULTS } from '../defaults.js';

type Cleanup = () => Promise<void> | void;

const pending = new Set<Cleanup>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;
let exiting = false;

function onSignal(sig: NodeJS.Signals): void {
  if (exiting) return;
  exiting = true;
  const code = 128 + (constants.signals[sig] ?? 2);
  const all = [...pending].map(async (fn) => fn());
  // a cleanup that hangs (an unreachable master) must not keep the process alive
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, DEFAULTS.interruptCleanupMs).unref());
  void Promise.race([Promise.allSettled(all), deadline]).then(() => process.exit(code));
}

/**
 * Runs `fn`; if the process is signalled meanwhile, `cleanup` runs and the process exits.
 * When `fn` fails, `cleanup` runs too, and the error goes on to the caller.
 */
export async function undoneIfInterrupted<T>(fn: () => Promise<T>, cleanup: Cleanup): Promise<T> {
  if (!installed) {
    installed = true;
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  pending.add(cleanup);
  try {
    return await fn();
  } catch (err) {
    pending.delete(cleanup);
    await Promise.resolve(cleanup()).catch(() => undefined);
    throw err;
  } finally {
    pending.delete(cleanup);
  }
}
