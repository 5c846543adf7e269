// `dfs status`: the master (URL, version, uptime), the storage nodes with a totals row, the
// namespace and its health, the trash, and who is connected: mounts (host, mount point,
// user, version, since) and other clients.
import type { Command } from 'commander';
import type { ClusterInfo, ClusterStatus } from '../protocol/types.js';
import { versionString } from '../version.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action } from './errors.js';
import { bytes, printJson, table, timeString } from './format.js';
import { clusterSpace } from './usage.js';

/** "45 s", "12 min", "2 h 13 min", "3 d 4 h". */
function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

function retention(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 1 ? `${+days.toFixed(1)} day${days === 1 ? '' : 's'}` : `${+(ms / 3_600_000).toFixed(1)} h`;
}

/** What --json prints: the master's status and info in one object, with totals. */
function statusReport(url: string, s: ClusterStatus, info: ClusterInfo): Record<string, unknown> {
  const space = clusterSpace(s);
  const live = s.nodes.filter((n) => n.alive);
  return {
    master: { url, version: info.version, commit: info.commit, startedAt: info.startedAt, uptimeMs: info.now - info.startedAt },
    ...s,
    totals: { ...space, blocks: live.reduce((n, x) => n + x.blocks, 0), nodesUp: live.length, nodes: s.nodes.length },
    trash: info.trash,
    mounts: info.clients.filter((c) => c.kind === 'mount'),
    clients: info.clients.filter((c) => c.kind !== 'mount'),
  };
}

export function registerStatusCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('status')
    .description('cluster health: the master, storage nodes with totals, files, blocks, the trash, mounts and clients')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const [s, info, states] = await Promise.all([c.status(), c.clusterInfo(), c.nodes()]);
          const r = statusReport(c.url, s, info);
          const state = new Map(states.map((n) => [n.id, n]));
          if (o.json) {
            printJson({ ...r, nodeStates: states });
            return;
          }
          const totals = r.totals as ReturnType<typeof clusterSpace> & { blocks: number; nodesUp: number; nodes: number };
          const mine = versionString();
          const theirs = versionString(info);
          const lines = [`master ${c.url}, version ${theirs}, up ${uptime(info.now - info.startedAt)}${theirs === mine ? '' : ` (this dfs: ${mine})`}`, ''];
          const rows = [['NODE', 'STATE', 'URL', 'CAPACITY', 'USED', 'BLOCKS']];
          for (const n of s.nodes) {
            const e = state.get(n.id);
            const how = e?.state === 'draining' ? `draining (${e.toCopy} to copy)` : e?.state === 'drained' ? 'drained' : n.alive ? 'up' : 'dead';
            rows.push([n.id, how, n.url, bytes(n.capacity), bytes(n.used), String(n.blocks)]);
          }
          rows.push(['total', `${totals.nodesUp}/${totals.nodes} up`, '', bytes(totals.capacity), bytes(totals.used), String(totals.blocks)]);
          lines.push(table(rows), '');
          lines.push(`files ${s.files}, directories ${s.dirs}, blocks ${s.blocks} (block size ${bytes(s.blockSize)}); ${bytes(totals.free)} free`);
          if (s.underReplicated !== undefined) {
            lines.push(`under-replicated ${s.underReplicated}, missing ${s.missing ?? 0}, corrupt ${s.corrupt ?? 0}`);
          }
          const t = info.trash;
          lines.push(
            t.retentionMs === 0
              ? 'trash off (removing removes)'
              : `trash: ${t.items} item${t.items === 1 ? '' : 's'}, ${t.files} files, ${bytes(t.bytes)}, kept ${retention(t.retentionMs)}`,
          );
          const mounts = info.clients.filter((x) => x.kind === 'mount');
          if (mounts.length) {
            const m = [['MOUNT', 'HOST', 'USER', 'VERSION', 'SINCE']];
            for (const x of mounts) m.push([x.mountpoint ?? '?', x.host, x.user ?? '', x.version, timeString(x.since)]);
            lines.push('', table(m));
          }
          const others = info.clients.filter((x) => x.kind !== 'mount');
          if (others.length) {
            const o2 = [['CLIENT', 'HOST', 'USER', 'VERSION', 'SINCE']];
            for (const x of others) o2.push([`${x.kind}${x.current ? ' (this one)' : ''}`, x.host, x.user ?? '', x.version, timeString(x.since)]);
            lines.push('', table(o2));
          }
          process.stdout.write(lines.join('\n') + '\n');
        });
      }),
    );
}
