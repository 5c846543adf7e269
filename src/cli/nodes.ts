// `dfs node list|drain|undrain|remove`: storage nodes taken out without losing a copy. Drain
// first (its blocks are copied to the nodes that stay), stop it once `dfs node list` says
// drained, then remove it.
import type { Command } from 'commander';
import { withClient, type GlobalOptions } from './connect.js';
import { action } from './errors.js';
import { printJson, table } from './format.js';

export function registerNodeCommands(program: Command, globals: () => GlobalOptions): void {
  const node = program.command('node').description('storage nodes: list, drain before taking one out, remove one that is down (admin)');
  node
    .command('list')
    .alias('ls')
    .description('every node the master knows: state (up, dead, draining, drained), copies held, blocks still to copy off it')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const nodes = await c.nodes();
          if (o.json) {
            printJson(nodes);
            return;
          }
          const rows = [['NODE', 'STATE', 'URL', 'COPIES', 'TO COPY', 'ONLY COPY']];
          for (const n of nodes) rows.push([n.id, n.state, n.url ?? '', String(n.copies), n.draining ? String(n.toCopy) : '', String(n.onlyCopy)]);
          process.stdout.write(table(rows) + '\n');
        });
      }),
    );
  node
    .command('drain')
    .description('copy every block of a node to the others and put nothing new on it, before taking it out')
    .argument('<id>')
    .action(
      action(async (id: string) => {
        await withClient(globals(), async (c) => {
          const n = await c.drainNode(id);
          process.stderr.write(`node ${id} draining: ${n?.toCopy ?? 0} blocks to copy off it; \`dfs node list\` says drained when it may go\n`);
        });
      }),
    );
  node
    .command('undrain')
    .description('cancel a drain: the node takes blocks again')
    .argument('<id>')
    .action(
      action(async (id: string) => {
        await withClient(globals(), async (c) => {
          await c.drainNode(id, true);
          process.stderr.write(`node ${id} takes blocks again\n`);
        });
      }),
    );
  node
    .command('remove')
    .description('forget a node that is down (its copies with it); refused while it holds the only copy of a block')
    .argument('<id>')
    .option('--force', 'remove it even so, and lose those blocks')
    .action(
      action(async (id: string, o: { force?: boolean }) => {
        await withClient(globals(), async (c) => {
          const r = await c.removeNode(id, o.force);
          process.stderr.write(`node ${id} removed: ${r.forgotten} copies forgotten${r.lost ? `, ${r.lost} blocks lost` : ''}\n`);
        });
      }),
    );
}
