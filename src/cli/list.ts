// `dfs ls`, as ls(1) reads: names, or -l rows (mode, links, owner, group, size, time), dot
// names only with -a, sizes as 1.5K with -h, whole trees with -R, and --json for scripts.
import path from 'node:path';
import type { Command } from 'commander';
import type { DfsClient } from '../client/client.js';
import { normalizePath } from '../client/client.js';
import type { Attr, DirEntry } from '../protocol/types.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action } from './errors.js';
import { deviceString, humanSize, modeString, printJson, table, timeString } from './format.js';
import { ownerNames, type OwnerNames } from './owners.js';

interface ListOptions {
  long?: boolean;
  all?: boolean;
  human?: boolean;
  recursive?: boolean;
  directory?: boolean;
  json?: boolean;
}

/** One listed entry, as --json prints it. */
export interface ListedEntry extends Attr {
  path: string;
  name: string;
  user: string;
  group: string;
  target?: string;
}

const byName = (x: { name: string }, y: { name: string }): number => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

async function described(c: DfsClient, dir: string, e: DirEntry, owners: OwnerNames): Promise<ListedEntry> {
  const p = dir === '' ? e.name : path.posix.join(dir, e.name);
  return {
    path: p,
    name: e.name,
    ...e.attr,
    user: owners.users.get(e.attr.uid) ?? String(e.attr.uid),
    group: owners.groups.get(e.attr.gid) ?? String(e.attr.gid),
    ...(e.attr.type === 'symlink' ? { target: await c.readlink(p) } : {}),
  };
}

function row(e: ListedEntry, o: ListOptions): string[] {
  return [
    modeString(e),
    String(e.nlink),
    e.user,
    e.group,
    // a device shows its number where a file shows its size, as ls -l does
    e.type === 'char' || e.type === 'block' ? deviceString(e.rdev ?? 0) : o.human ? humanSize(e.size) : String(e.size),
    timeString(e.mtime),
    e.target !== undefined ? `${e.name} -> ${e.target}` : e.name,
  ];
}

export function registerListCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('ls')
    .description('list directories (or files), as ls does')
    .argument('[paths...]', 'directories or files (default /)')
    .option('-l, --long', 'long listing: mode, links, owner, group, size, time')
    .option('-a, --all', 'include names that begin with a dot')
    .option('-h, --human-readable', 'sizes as 1.5K, 23M, 4.0G (with -l)')
    .option('-R, --recursive', 'list subdirectories too, all the way down')
    .option('-d, --directory', 'list directories themselves, not what is in them')
    .option('--json', 'print JSON: every entry with its path and attributes')
    .action(
      action(async (given: string[], raw: ListOptions & { humanReadable?: boolean }) => {
        const o: ListOptions = { ...raw, human: raw.humanReadable };
        const paths = given.length ? given : ['/'];
        await withClient(globals(), async (c) => {
          const owners = o.long || o.json ? await ownerNames(c) : { users: new Map(), groups: new Map() };
          const json: ListedEntry[] = [];
          const sections: { title?: string; entries: ListedEntry[] }[] = [];
          const files: ListedEntry[] = [];
          const visible = (e: DirEntry): boolean => o.all === true || !e.name.startsWith('.');

          async function listDir(dir: string): Promise<void> {
            const entries = (await c.readdir(dir)).filter(visible).sort(byName);
            const listed = await Promise.all(entries.map((e) => described(c, dir, e, owners)));
            sections.push({ title: dir, entries: listed });
            json.push(...listed);
            if (!o.recursive) return;
            for (const e of listed) if (e.type === 'dir') await listDir(e.path);
          }

          for (const p of paths) {
            const abs = normalizePath(p);
            // as ls: a symlink named on the command line is followed, except for -l and -d
            const a = await c.getattr(abs, !(o.long || o.directory));
            if (a.type === 'dir' && !o.directory) await listDir(abs);
            else {
              const e = await described(c, path.posix.dirname(abs), { name: abs === '/' ? '/' : path.posix.basename(abs), attr: a }, owners);
              files.push({ ...e, path: abs });
              json.push({ ...e, path: abs });
            }
          }
          if (o.json) {
            printJson(json);
            return;
          }
          const titled = sections.length + (files.length ? 1 : 0) > 1 || o.recursive === true;
          const blocks: string[] = [];
          const render = (entries: ListedEntry[]): string => (o.long ? (entries.length ? table(entries.map((e) => row(e, o))) : '') : entries.map((e) => e.name).join('\n'));
          if (files.length) blocks.push(render(files.sort(byName)));
          for (const s of sections) {
            const body = render(s.entries);
            blocks.push(titled ? `${s.title}:${body ? `\n${body}` : ''}` : body);
          }
          const text = blocks.filter((b) => b !== '').join(titled ? '\n\n' : '\n');
          if (text) process.stdout.write(text + '\n');
        });
      }),
    );
}
