// The `dfs` command line.
import { Command } from 'commander';
import { registerAdminCommands } from './admin.js';
import { fail } from './errors.js';
import { registerFileCommands } from './files.js';
import { registerServerCommands } from './servers.js';

const program = new Command();
program
  .name('dfs')
  .description('dfs: a distributed, encrypted file system you can mount as a directory')
  .version('0.1.0')
  .option('--master <url>', 'master URL (default: $DFS_MASTER, else the saved login)')
  .option('--ca <file>', 'CA certificate (PEM) for wss:// masters')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

const globals = (): { master?: string; ca?: string } => program.opts();
registerServerCommands(program, globals);
registerAdminCommands(program, globals);
registerFileCommands(program, globals);

program.parseAsync(process.argv).catch(fail);
