// `npm run soak -- [--minutes N] [--setup client|mount|mounts|inode|overlays|all] [--seed S --path P --replay Q --runs R --commands C]`:
// the differential exerciser for as long as asked, with fresh seeds (printed, so any run
// replays), or one failing case replayed from the seed and path a report gave. Prints the
// runs and steps made and exits 1 on the first mismatch, with the shortest failing sequence.
import { parseArgs } from 'node:util';
import { describe, exercise } from './exerciser.js';
import { prepare, SETUPS, type SetupName } from './setups.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    setup: { type: 'string', default: 'all' },
    seed: { type: 'string' },
    path: { type: 'string' },
    replay: { type: 'string' },
    commands: { type: 'string', default: '300' },
    runs: { type: 'string', default: '10' },
  },
});

function fail(message: string): never {
  process.stderr.write(`soak: ${message}\n`);
  process.exit(2);
}

const minutes = Number(values.minutes);
if (!(minutes > 0)) fail(`--minutes must be a positive number: ${values.minutes}`);
const maxCommands = Number(values.commands);
if (!Number.isInteger(maxCommands) || maxCommands < 1) fail(`--commands must be a positive integer: ${values.commands}`);
const runsEach = Number(values.runs);
if (!Number.isInteger(runsEach) || runsEach < 1) fail(`--runs must be a positive integer: ${values.runs}`);
const setups: SetupName[] =
  values.setup === 'all' ? [...SETUPS] : SETUPS.includes(values.setup as SetupName) ? [values.setup as SetupName] : fail(`--setup must be one of ${SETUPS.join(', ')} or all`);
if (values.path !== undefined && (values.seed === undefined || setups.length !== 1)) fail('--path replays one case: give --seed and one --setup with it');

const cleanups: (() => unknown)[] = [];
const teardown = { teardown: (fn: () => unknown) => void cleanups.push(fn) };
async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

let failed = false;
try {
  const deadline = Date.now() + minutes * 60_000;
  const share = (minutes * 60_000) / setups.length;
  for (const which of setups) {
    const setup = await prepare(teardown, which);
    const until = Math.min(deadline, Date.now() + share);
    let runs = 0;
    let steps = 0;
    const seeds: number[] = [];
    do {
      const seed = values.seed === undefined ? Math.floor(Math.random() * 0x7fffffff) : Number(values.seed);
      seeds.push(seed);
      const r = await exercise({
        ...setup,
        seed,
        path: values.path,
        replay: values.replay,
        runs: runsEach,
        maxCommands,
        timeLimitMs: Math.max(1000, until - Date.now()),
      });
      runs += r.runs;
      steps += r.steps;
      if (r.failed) {
        process.stdout.write(`${which}: ${describe(r, `npm run soak -- --setup ${which} --runs ${runsEach} --commands ${maxCommands}`)}\n`);
        failed = true;
        break;
      }
    } while (values.seed === undefined && Date.now() < until);
    process.stdout.write(`${which}: ${runs} runs, ${steps} steps, seeds ${seeds.join(' ')}${failed ? '' : ': no mismatch'}\n`);
    await cleanup();
    if (failed) break;
  }
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
