// `dfs mount --multi-user`: every request runs as its caller. Each operation that the kernel
// sends with a caller (all but FORGET) runs in the context of that caller's ids, as the mount
// maps them to dfs ids (src/client/acting-as.ts), so that each call it makes to the master
// acts for that user: permissions checked, new files owned, as on a local file system.
import { actingAs, type Identity } from '../client/acting-as.js';
import type { LowLevelOps, Request } from './lowlevel-ops.js';

type Op = (...args: unknown[]) => unknown;

const isRequest = (v: unknown): v is Request => typeof (v as Request | null)?.uid === 'number' && typeof (v as Request).gid === 'number';

export function actingOps(ops: LowLevelOps, identityOf: (req: Request) => Identity): LowLevelOps {
  const out: Record<string, Op> = {};
  for (const [name, f] of Object.entries(ops) as [string, Op][]) {
    out[name] = (...args: unknown[]): unknown => (isRequest(args[0]) ? actingAs.run(identityOf(args[0]), () => f(...args)) : f(...args));
  }
  return out;
}

/**
 * The dfs identity of a local caller: its uid, gid and groups through the id map; local
 * root becomes `squashedId` unless root is trusted (as NFS's root_squash), and so does
 * anyone the map has no dfs id for.
 */
export function callerIdentity(
  req: Request,
  o: { toDfsUid(uid: number): number | undefined; toDfsGid(gid: number): number | undefined; rootSquash: boolean; squashedId: number },
): Identity {
  if (o.rootSquash && req.uid === 0) return { uid: o.squashedId, gid: o.squashedId, groups: [] };
  let local: readonly number[] = [];
  try {
    local = req.groups();
  } catch {
    // the caller is gone, or in another PID namespace: its own ids only
  }
  const groups: number[] = [];
  for (const g of local) {
    const d = o.toDfsGid(g);
    if (d !== undefined) groups.push(d);
  }
  return { uid: o.toDfsUid(req.uid) ?? o.squashedId, gid: o.toDfsGid(req.gid) ?? o.squashedId, groups };
}
