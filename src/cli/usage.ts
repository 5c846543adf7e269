// `dfs du`, `dfs df` and `dfs info`: what a tree holds, how full the cluster is, and where a
// file's blocks are (as `hdfs dfs -du`, df(1), mfsfileinfo and `hdfs fsck -blocks -locations`).
import type { Command } from 'commander';
import type { ClusterStatus, PathInfo } from '../protocol/types.js';
import { normalizePath } from '../client/client.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action } from './errors.js';
import { bytes, humanSize, modeString, printJson, table, timeString } from './format.js';

/**
 * The cluster's capacity and use: the master's `space` figure when it gives one (a disk
 * several nodes share counted once), else the sum over the live nodes.
 */
export function clusterSpace(s: ClusterStatus): { capacity: number; used: number; free: number } {
  const given = (s as { space?: { capacity?: unknown; used?: unknown } }).space;
  if (given && typeof given.capacity === 'number' && typeof given.used === 'number') {
    return { capacity: given.capacity, used: given.used, free: Math.max(0, given.capacity - given.used) };
  }
  let capacity = 0;
  let used = 0;
  for (const n of s.nodes) {
    if (!n.alive) continue;
    capacity += n.capacity;
    used += n.used;
  }
  return { capacity, used, free: Math.max(0, capacity - used) };
}

function describeInfo(i: PathInfo): string {
  const a = i.attr;
  const lines = [
    ['path', i.path],
    ['type', a.type],
    ['inode', String(a.ino)],
    ['mode', `${(a.mode & 0o7777).toString(8).padStart(4, '0')} (${modeString(a)})`],
    ['size', String(a.size)],
    ['replicas', String(a.replicas)],
    ['mtime', timeString(a.mtime)],
  ];
  if (i.target !== undefined) lines.push(['target', i.target]);
  if (i.usage) {
    const u = i.usage;
    lines.push(['contains', `${u.files} files, ${u.dirs - 1} directories, ${u.bytes} bytes (${bytes(u.replicated)} with replicas)`]);
    if (u.unreadable) lines.push(['unreadable', `${u.unreadable} directories not counted (no permission)`]);
  }
  const out = lines.map(([k, v]) => `${k.padEnd(9)} ${v}`);
  if (i.blocks) {
    const rows = [['BLOCK', 'ID', 'SIZE', 'COPIES', 'STATE', 'NODES']];
    let healthy = 0;
    for (const b of i.blocks) {
      if (!b) continue;
      if (b.state === 'ok') healthy++;
      const nodes = b.copies.map((c) => `${c.node}${c.up ? '' : ' (down)'}`).join(' ') || '-';
      rows.push([String(b.index), b.id, String(b.size), `${b.live}/${a.replicas}`, b.state, nodes]);
    }
    const holes = i.blocks.filter((b) => b === null).length;
    out.push(`blocks    ${i.blocks.length - holes}${holes ? ` and ${holes} holes` : ''}, ${healthy} with every copy they want`);
    if (rows.length > 1) out.push(table(rows));
  }
  return out.join('\n');
}

export function registerUsageCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('du')
    .description('bytes under each entry of a directory (with -s, under each path), and with replicas')
    .argument('[paths...]', 'files or directories (default /)')
    .option('-s, --summarize', 'one line per path, not per entry')
    .option('-h, --human-readable', 'sizes as 1.5K, 23M, 4.0G')
    .option('--json', 'print JSON: files, directories, bytes and bytes with replicas')
    .action(
      action(async (given: string[], o: { summarize?: boolean; humanReadable?: boolean; json?: boolean }) => {
        const paths = given.length ? given : ['/'];
        const size = (n: number): string => (o.humanReadable ? humanSize(n) : String(n));
        await withClient(globals(), async (c) => {
          const rows: { path: string; files: number; dirs: number; bytes: number; replicated: number; unreadable: number }[] = [];
          for (const p of paths) {
            const abs = normalizePath(p);
            const u = await c.usage(abs, !o.summarize);
            if (o.summarize || !u.entries) rows.push({ path: abs, ...u.total });
            else {
              for (const e of u.entries.sort((x, y) => (x.name < y.name ? -1 : 1))) {
                rows.push({
                  path: abs === '/' ? `/${e.name}` : `${abs}/${e.name}`,
                  files: e.files,
                  dirs: e.dirs,
                  bytes: e.bytes,
                  replicated: e.replicated,
                  unreadable: e.unreadable,
                });
              }
            }
          }
          if (o.json) return printJson(rows);
          if (rows.length) process.stdout.write(table(rows.map((r) => [size(r.bytes), size(r.replicated), r.path])) + '\n');
          const unreadable = rows.reduce((n, r) => n + r.unreadable, 0);
          if (unreadable) process.stderr.write(`dfs: ${unreadable} directories could not be read and are not counted\n`);
        });
      }),
    );

  program
    .command('df')
    .description("the cluster's space: size, used, available, use%, files, and what the trash holds")
    .option('-h, --human-readable', 'sizes as 1.5K, 23M, 4.0G')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { humanReadable?: boolean; json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const [s, info] = await Promise.all([c.status(), c.clusterInfo()]);
          const space = clusterSpace(s);
          const report = {
            ...space,
            usePercent: space.capacity ? Math.ceil((space.used / space.capacity) * 100) : 0,
            files: s.files,
            dirs: s.dirs,
            liveNodes: s.nodes.filter((n) => n.alive).length,
            nodes: s.nodes.length,
            trash: info.trash,
          };
          if (o.json) return printJson(report);
          const size = (n: number): string => (o.humanReadable ? humanSize(n) : String(n));
          const t = info.trash;
          process.stdout.write(
            table([
              ['SIZE', 'USED', 'AVAIL', 'USE%', 'FILES', 'NODES', 'TRASH'],
              [
                size(space.capacity),
                size(space.used),
                size(space.free),
                `${report.usePercent}%`,
                String(s.files),
                `${report.liveNodes}/${report.nodes} up`,
                `${size(t.bytes)} in ${t.items} item${t.items === 1 ? '' : 's'}`,
              ],
            ]) + '\n',
          );
        });
      }),
    );

  program
    .command('info')
    .description("a file's blocks, the nodes holding each copy and its health; a directory's files and bytes")
    .argument('<path>')
    .option('--json', 'print JSON')
    .action(
      action(async (p: string, o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const i = await c.info(p);
          if (o.json) return printJson(i);
          process.stdout.write(describeInfo(i) + '\n');
        });
      }),
    );
}
