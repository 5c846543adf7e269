// A session acting for another user: a multi-user mount (src/client/acting-as.ts) sends, with
// each call, the local caller's ids, and the master checks permissions and sets owners for
// that user instead of the session's own. Only an admin's session may do this (an admin
// could log in as anyone anyway); a local user is taken with the ids and groups the
// kernel gave. The user it stands for is named by uid alone ("uid 1000"): no account's
// record can be confused with it, and no account list is searched on every call.
import { DfsError } from '../rpc/errors.js';
import type { Caller } from './permissions.js';
import type { User } from './users.js';

const MAX_ID = 2 ** 32 - 1;
const MAX_GROUPS = 65536;

function id(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > MAX_ID) throw new DfsError('EINVAL', `field 'as.${what}' must be an id`);
  return v as number;
}

export function actingFor(session: User, as: unknown, sessionHash: string): Caller {
  if (!session.admin) throw new DfsError('EPERM', `${session.name} may not act for other users (a multi-user mount needs an admin's login)`);
  const { uid, gid, groups } = (as ?? {}) as { uid?: unknown; gid?: unknown; groups?: unknown };
  if (!Array.isArray(groups) || groups.length > MAX_GROUPS) throw new DfsError('EINVAL', "field 'as.groups' must be a list of group ids");
  const u = id(uid, 'uid');
  const g = id(gid, 'gid');
  const user: User = { name: `uid ${u}`, uid: u, gid: g, salt: '', hash: '', admin: false, groups: [] };
  return { user, uid: u, gids: new Set([g, ...groups.map((x: unknown) => id(x, 'groups'))]), session: sessionHash };
}
