// Owner names for listings: dfs uids and gids as user and group names.
import type { DfsClient } from '../client/client.js';
import { UsageError } from './errors.js';

export interface OwnerNames {
  users: Map<number, string>;
  /** Named groups and each user's own group (gid = uid, named after the user). */
  groups: Map<number, string>;
}

export async function ownerNames(c: DfsClient): Promise<OwnerNames> {
  try {
    const users = await c.listUsers();
    const groups = new Map(users.map((u) => [u.gid, u.name]));
    for (const g of await c.listGroups()) groups.set(g.gid, g.name);
    return { users: new Map(users.map((u) => [u.uid, u.name])), groups };
  } catch {
    return { users: new Map(), groups: new Map() };
  }
}

/** A user or group given by name or number, as chown(1) takes them. */
export function idOf(spec: string, names: Map<number, string>, what: string): number {
  if (/^[0-9]+$/.test(spec)) return Number(spec);
  for (const [id, name] of names) if (name === spec) return id;
  throw new UsageError(`no ${what} ${spec}`);
}
