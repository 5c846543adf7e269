// The `dfs` command line.
import { Command } from 'commander';
import { registerAccountCommands } from './accounts.js';
import { registerCompletionCommand } from './completion.js';
import { registerAdminCommands } from './admin.js';
import { fail, UsageError } from './errors.js';
import { isLogLevel, LOG_LEVELS, setLogLevel } from '../log.js';
import { registerFileCommands } from './files.js';
import { registerListCommand } from './list.js';
import { registerMountCommands } from './mount.js';
import { registerNodeCommands } from './nodes.js';
import { isHelperInvocation, planHelper, runHelper } from './mount-helper.js';
import { registerServerCommands } from './servers.js';
import { registerStatusCommand } from './status.js';
import { versionString } from '../version.js';
import { registerTransferCommands } from './transfer.js';
import { registerTrashCommands } from './trash.js';
import { registerUsageCommands } from './usage.js';
import { registerXattrCommands } from './xattr.js';

const program = new Command();
program
  .name('dfs')
  .description('dfs: a distributed, encrypted file system you can mount as a directory')
  .version(`dfs ${versionString()}`, '-V, --version', 'print the version and the commit it was built from')
  // set before the commands are made, so each of them inherits it
  .configureHelp({ showGlobalOptions: true })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .configureOutput({ outputError: (str, write) => write(oneLine(str)) })
  .option('--master <url>', 'master URL (default: $DFS_MASTER, else the saved login)')
  .option('--ca <file>', 'CA certificate (PEM) that signed the wss:// servers (default: $DFS_CA, else the saved login)')
  .option('--log-level <level>', `server log level: ${LOG_LEVELS.join(', ')} (default $DFS_LOG_LEVEL or info)`)
  .hook('preAction', () => {
    const level = program.opts<{ logLevel?: string }>().logLevel;
    if (level === undefined) return;
    if (!isLogLevel(level)) fail(new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`));
    setLogLevel(level);
  });

/**
 * commander's complaint ("error: unknown command 'stauts'\n(Did you mean status?)") as the
 * CLI's one line: `dfs: unknown command 'stauts' (did you mean status?); see dfs --help`.
 */
function oneLine(text: string): string {
  const [first = '', ...rest] = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const hint = rest.join(' ').replace(/^\((.*)\)$/, '$1');
  const said = first.replace(/^error: /, '');
  return `dfs: ${said}${hint ? ` (${hint[0].toLowerCase()}${hint.slice(1)})` : ''}; see dfs --help\n`;
}

const globals = (): { master?: string; ca?: string } => program.opts();
registerServerCommands(program, globals);
registerAdminCommands(program, globals);
registerStatusCommand(program, globals);
registerNodeCommands(program, globals);
registerAccountCommands(program, globals);
registerListCommand(program, globals);
registerFileCommands(program, globals);
registerXattrCommands(program, globals);
registerTrashCommands(program, globals);
registerTransferCommands(program, globals);
registerUsageCommands(program, globals);
registerMountCommands(program, globals);
registerCompletionCommand(program);

if (isHelperInvocation(process.argv)) {
  // `dfs ws://HOST:PORT DIR -o …`, as mount(8) runs it for an fstab line of type fuse.dfs
  Promise.resolve()
    .then(() => runHelper(planHelper(process.argv, process.env)))
    .then((code) => process.exit(code), fail);
} else {
  program.parseAsync(process.argv).catch(fail);
}
