// Helpers for tests of the master's persistence: a canonical dump of a MasterState (equal
// dumps mean equal states, whatever the history), and a varied stream of mutation records.
import type { MutationRecord } from '../../src/master/records.js';
import { MasterState } from '../../src/master/state.js';

export function dumpState(s: MasterState): unknown {
  const inodes = [...s.ns.inodes.values()]
    .sort((a, b) => a.ino - b.ino)
    .map((n) => ({
      ...n,
      entries: n.entries ? [...n.entries].sort((a, b) => (a[0] < b[0] ? -1 : 1)) : undefined,
      blocks: n.blocks?.map((b) => (b ? { id: b.id, size: b.size } : null)),
    }));
  const blocks = [...s.blocks.blocks.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((b) => ({ id: b.id, size: b.size, refs: b.refs, nodes: [...b.nodes].sort(), ...(b.suspect?.size ? { suspect: [...b.suspect].sort() } : {}) }));
  const garbage = [...s.blocks.garbage].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([id, n]) => [id, [...n].sort()]);
  const sorted = <T>(m: Map<string, T>): [string, T][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  // through JSON, as the snapshot stores it: a field set to undefined is no field
  return JSON.parse(
    JSON.stringify({
      blockSize: s.blockSize,
      nextIno: s.ns.nextIno,
      inodes,
      blocks,
      garbage,
      users: sorted(s.users.users),
      groups: sorted(s.users.groups),
      sessions: sorted(s.users.sessions),
      // absent when empty, as in states dumped before there were any
      ...(s.requests.size ? { requests: [...s.requests] } : {}),
      // only once there is a trash, so states from before it (fixtures) dump as they did
      ...(s.trash.dirIno === undefined ? {} : { trash: { dir: s.trash.dirIno, items: sorted(s.trash.entries) } }),
    }),
  ) as unknown;
}

const hex = (n: number, len = 32): string => n.toString(16).padStart(len, '0');

/**
 * Mutation batches that exercise every record type: directories, files with block lists,
 * hard links, renames, attribute changes, unlinks and expired allocations that make garbage,
 * users and sessions.
 * Batch k depends only on k, so two runs produce the same stream.
 */
export function sampleBatches(count: number, time = 1_700_000_000_000): MutationRecord[][] {
  const out: MutationRecord[][] = [[{ op: 'format', time, blockSize: 4096, replicas: 2 }]];
  out.push([{ op: 'user', name: 'admin', uid: 0, gid: 0, salt: 'aa', hash: 'bb', admin: true, groups: [] }]);
  let ino = 2;
  let block = 1;
  const dirs = [1];
  for (let k = 0; out.length < count; k++) {
    const t = time + k;
    switch (k % 8) {
      case 0: {
        const parent = dirs[k % dirs.length];
        out.push([{ op: 'mknod', ino, parent, name: `d${k}`, type: 'dir', mode: 0o755, uid: 0, gid: 0, time: t, replicas: 2 }]);
        dirs.push(ino++);
        break;
      }
      case 1:
      case 2: {
        const parent = dirs[k % dirs.length];
        const f = ino++;
        const blocks = [0, 1, 2].map((index) => ({ index, id: hex(block++), size: index === 2 ? 100 : 4096, nodes: ['n1', 'n2'] }));
        // one batch of two records: it must land whole or not at all
        out.push([
          { op: 'mknod', ino: f, parent, name: `f${k}`, type: 'file', mode: 0o644, uid: 1000, gid: 1000, time: t, replicas: 2, key: `key${f}` },
          { op: 'commit', ino: f, size: 2 * 4096 + 100, blocks, time: t },
        ]);
        break;
      }
      case 3:
        out.push([{ op: 'setattr', ino: ino - 1, mode: 0o600, mtime: t - 5, time: t }]);
        break;
      case 4:
        out.push([{ op: 'rename', from: dirs[(k - 2) % dirs.length], fromName: `f${k - 2}`, to: 1, toName: `moved${k}`, time: t }]);
        break;
      case 5:
        out.push([{ op: 'unlink', parent: dirs[(k - 4) % dirs.length], name: `f${k - 4}`, time: t }]);
        break;
      case 6:
        out.push([
          { op: 'link', ino: ino - 1, parent: 1, name: `h${k}`, time: t },
          { op: 'session', hash: hex(k, 64), user: 'admin', expires: time + 1e12 },
          // a client's request id: a retry of the link is answered as done
          { op: 'request', key: `${hex(k, 16)}:r${k}`, time: t },
        ]);
        break;
      case 7:
        out.push([
          { op: 'locate', id: hex(block - 1), add: ['n3'], remove: ['n1'] },
          // an allocation that expired uncommitted: garbage on the nodes it was offered to
          { op: 'garbage', id: `f${hex(k, 31)}`, nodes: ['n2', 'n3'] },
          // a client's GCM check failed on the new copy
          { op: 'suspect', id: hex(block - 1), nodes: ['n3'] },
        ]);
        break;
    }
  }
  return out.slice(0, count);
}

export function stateOf(batches: MutationRecord[][]): MasterState {
  const s = new MasterState();
  for (const b of batches) for (const r of b) s.apply(r);
  return s;
}
