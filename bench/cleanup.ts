// What the bench must undo before it exits: every process it starts and every mount it makes
// registers its undo step here and takes it off once undone in the normal course. Whatever is
// left when a step fails, or on Ctrl-C or SIGTERM, is undone newest first (mounts before
// the daemons that serve them, daemons before the directories they use), so a bench run leaves
// no process and no mount behind. Only what the bench itself started is ever touched.

type Undo = () => Promise<void>;

const pending = new Map<number, { what: string; undo: Undo }>();
let nextId = 0;
let stopping = false;

/** Whether the bench is undoing everything on a signal: nothing new may start then. */
export function isStopping(): boolean {
  return stopping;
}

/** Registers how to undo something; the returned function takes it off once it is undone. */
export function undoLater(what: string, undo: Undo): () => void {
  const id = nextId++;
  pending.set(id, { what, undo });
  return () => {
    pending.delete(id);
  };
}

/** Undoes everything still registered, newest first; a failing step does not stop the rest. */
export async function undoAll(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  // until none is left: a step still under way elsewhere may register another meanwhile
  while (pending.size) {
    const id = Math.max(...pending.keys());
    const step = pending.get(id)!;
    pending.delete(id);
    try {
      await step.undo();
    } catch (err) {
      log(`bench: could not undo ${step.what}: ${(err as Error).message}`);
    }
  }
}

/**
 * On SIGINT, SIGTERM or SIGHUP: undo everything, then exit with 128 + the signal's number.
 * A second signal while that runs exits at once (what is left is then printed).
 */
export function undoOnSignals(): void {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  for (const sig of Object.keys(numbers) as NodeJS.Signals[]) {
    process.on(sig, () => {
      if (stopping) {
        for (const step of pending.values()) process.stderr.write(`bench: left behind: ${step.what}\n`);
        process.exit(128 + numbers[sig]);
      }
      stopping = true;
      process.stderr.write(`bench: ${sig}, stopping what the bench started\n`);
      void undoAll().finally(() => process.exit(128 + numbers[sig]));
    });
  }
}
