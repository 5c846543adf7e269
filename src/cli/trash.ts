// `dfs rm` and `dfs trash list|restore|purge`. A removed file or tree goes into the master's
// trash whole (src/master/trash-service.ts) and stays there, restorable, for the cluster's
// retention time; `/` is refused before anything is touched.
import type { Command } from 'commander';
import { normalizePath } from '../client/client.js';
import { DfsError } from '../rpc/errors.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action, UsageError } from './errors.js';
import { bytes, printJson, table, timeString } from './format.js';
import { ownerNames } from './owners.js';

/** Hours or days, for a retention time. */
function duration(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${+(h / 24).toFixed(1)} days` : `${+h.toFixed(1)} hours`;
}

export function registerTrashCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('rm')
    .description('remove files (and, with -r, directories) into the trash, restorable with `dfs trash restore` until purged')
    .argument('<paths...>')
    .option('-r, --recursive', 'remove directories and their contents (a tree goes into the trash as one item)')
    .option('-f, --force', 'ignore missing files')
    .option('--skip-trash', 'remove for good at once, past the trash')
    .option('-v, --verbose', 'say what was removed and its trash id')
    .action(
      action(async (paths: string[], o: { recursive?: boolean; force?: boolean; skipTrash?: boolean; verbose?: boolean }) => {
        // checked for every path first: `dfs rm -r /a /` must not remove /a and then refuse
        for (const p of paths) {
          if (normalizePath(p) === '/') throw new DfsError('EBUSY', `refusing to remove the root (${p}); nothing was removed`);
        }
        await withClient(globals(), async (c) => {
          for (const p of paths) {
            let id: number | null;
            try {
              id = await c.remove(p, { recursive: o.recursive, skipTrash: o.skipTrash });
            } catch (err) {
              if (o.force && err instanceof DfsError && err.code === 'ENOENT') continue;
              if (err instanceof DfsError && err.code === 'EISDIR' && !o.recursive) throw new DfsError('EISDIR', `is a directory (use -r): ${p}`);
              throw err;
            }
            if (o.verbose) process.stderr.write(id === null ? `removed ${p}\n` : `removed ${p} (trash id ${id})\n`);
          }
        });
      }),
    );

  const trash = program.command('trash').description('removed files and directories, kept for a while: list, restore, purge');
  trash
    .command('list')
    .alias('ls')
    .description('the items you may restore (an admin: all), oldest first')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const { items, retentionMs } = await c.trashList();
          if (o.json) {
            printJson({ items, retentionMs });
            return;
          }
          if (retentionMs === 0) process.stderr.write('the trash is off on this cluster (dfs master --trash-days 0): removing removes\n');
          if (items.length === 0) return;
          const names = (await ownerNames(c)).users;
          const rows = [['ID', 'REMOVED', 'BY', 'SIZE', 'PURGED', 'PATH']];
          for (const i of items) {
            const size = i.type === 'dir' ? `${bytes(i.bytes)} in ${i.files} files` : bytes(i.bytes);
            rows.push([String(i.id), timeString(i.removed), names.get(i.removedBy) ?? String(i.removedBy), size, timeString(i.purgeAt), i.type === 'dir' ? `${i.path}/` : i.path]);
          }
          process.stdout.write(table(rows) + '\n');
          process.stderr.write(`items stay ${duration(retentionMs)}; \`dfs trash restore ID\` puts one back\n`);
        });
      }),
    );
  trash
    .command('restore')
    .description('put items back where they were (the newest first, so a directory comes back before what was in it)')
    .argument('<ids...>', 'trash ids (from `dfs trash list`)')
    .option('--to <path>', 'restore here instead (into it, when it is a directory)')
    .action(
      action(async (ids: string[], o: { to?: string }) => {
        await withClient(globals(), async (c) => {
          const { items } = await c.trashList();
          // the list is in removal order, which a clock's millisecond may not tell apart
          const place = new Map(items.map((i, n) => [String(i.id), n]));
          const ordered = [...ids].sort((a, b) => (place.get(b) ?? -1) - (place.get(a) ?? -1));
          for (const id of ordered) {
            const to = await c.trashRestore(id, o.to);
            process.stdout.write(`restored ${to}\n`);
          }
        });
      }),
    );
  trash
    .command('purge')
    .description('remove items from the trash for good')
    .argument('[ids...]', 'trash ids (from `dfs trash list`)')
    .option('--all', 'every item you may purge (an admin: all)')
    .action(
      action(async (ids: string[], o: { all?: boolean }) => {
        if (ids.length > 0 === Boolean(o.all)) throw new UsageError('give trash ids or --all');
        await withClient(globals(), async (c) => {
          let n = 0;
          if (o.all) n = await c.trashPurge('all');
          else for (const id of ids) n += await c.trashPurge(id);
          process.stderr.write(`purged ${n} item${n === 1 ? '' : 's'}\n`);
        });
      }),
    );
}
