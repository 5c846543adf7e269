// Owners as a mount shows them: dfs has its own uids and gids, the local machine has
// others. In 'name' mode a dfs user or group is shown as the local one of the same name
// (looked up in /etc/passwd and /etc/group), the mounting user's dfs account as the local
// user running the mount, and anyone else as nobody/nogroup. 'identity' shows dfs ids as
// they are (for machines whose ids are managed to match the cluster's).
import fs from 'node:fs';
import type { Attr, GroupInfo, UserInfo } from '../protocol/types.js';

export type IdMapMode = 'identity' | 'name';
export const ID_MAP_MODES: readonly IdMapMode[] = ['identity', 'name'];

/** nobody / nogroup on Linux. */
export const UNMAPPED_ID = 65534;

/** chown(2)'s "leave this id alone". */
const UNCHANGED_ID = -1;

export interface IdMapOptions {
  mode: IdMapMode;
  /**
   * The dfs account the mount acts as, and the local ids to show it as: the person who
   * mounted sees their files as their own even where the two names differ.
   */
  self?: { dfsUid: number; dfsGid: number; localUid: number; localGid: number };
  /** Local ids shown for dfs owners with no local counterpart. */
  unmappedUid?: number;
  unmappedGid?: number;
  /** Where local accounts are read from (tests point these elsewhere). */
  passwdFile?: string;
  groupFile?: string;
}

/** What `IdMap.load` needs from a logged-in client. */
export interface AccountSource {
  listUsers(): Promise<UserInfo[]>;
  listGroups(): Promise<GroupInfo[]>;
  whoami(): Promise<{ uid: number; gid: number }>;
}

export interface LocalAccounts {
  /** name → uid, and the user's primary gid */
  users: Map<string, { uid: number; gid: number }>;
  /** name → gid */
  groups: Map<string, number>;
}

/** Parses passwd(5) and group(5) text; malformed lines are skipped. */
export function parseLocalAccounts(passwd: string, group: string): LocalAccounts {
  const users = new Map<string, { uid: number; gid: number }>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !f[0]) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid) && !users.has(f[0])) users.set(f[0], { uid, gid });
  }
  const groups = new Map<string, number>();
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#') || !f[0]) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid) && !groups.has(f[0])) groups.set(f[0], gid);
  }
  return { users, groups };
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export class IdMap {
  private readonly uidOut = new Map<number, number>();
  private readonly gidOut = new Map<number, number>();
  private readonly uidIn = new Map<number, number>();
  private readonly gidIn = new Map<number, number>();
  private readonly unmappedUid: number;
  private readonly unmappedGid: number;

  /** Reads the cluster's accounts through `client` and the local ones from disk. */
  static async load(client: AccountSource, options: IdMapOptions): Promise<IdMap> {
    if (options.mode === 'identity') return new IdMap(options, [], [], { users: new Map(), groups: new Map() });
    const [users, groups] = await Promise.all([client.listUsers(), client.listGroups()]);
    const local = parseLocalAccounts(readOrEmpty(options.passwdFile ?? '/etc/passwd'), readOrEmpty(options.groupFile ?? '/etc/group'));
    return new IdMap(options, users, groups, local);
  }

  constructor(
    readonly options: IdMapOptions,
    users: readonly Pick<UserInfo, 'name' | 'uid' | 'gid'>[],
    groups: readonly Pick<GroupInfo, 'name' | 'gid'>[],
    local: LocalAccounts,
  ) {
    this.unmappedUid = options.unmappedUid ?? UNMAPPED_ID;
    this.unmappedGid = options.unmappedGid ?? UNMAPPED_ID;
    if (options.mode === 'identity') return;
    const self = options.self;
    if (self) {
      this.pair(this.uidOut, this.uidIn, self.dfsUid, self.localUid);
      this.pair(this.gidOut, this.gidIn, self.dfsGid, self.localGid);
    }
    for (const u of users) {
      const l = local.users.get(u.name);
      if (!l) continue;
      this.pair(this.uidOut, this.uidIn, u.uid, l.uid);
      // a user's own dfs group is named after the user: a local group of that name, else
      // the local user's primary group
      this.pair(this.gidOut, this.gidIn, u.gid, local.groups.get(u.name) ?? l.gid);
    }
    for (const g of groups) {
      const gid = local.groups.get(g.name);
      if (gid !== undefined) this.pair(this.gidOut, this.gidIn, g.gid, gid);
    }
  }

  /** First mapping wins, both ways, so the mounting user's own pair beats a same-name match. */
  private pair(out: Map<number, number>, back: Map<number, number>, dfsId: number, localId: number): void {
    if (!out.has(dfsId)) out.set(dfsId, localId);
    if (!back.has(localId)) back.set(localId, dfsId);
  }

  get mode(): IdMapMode {
    return this.options.mode;
  }

  /** The local uid to show for a dfs owner. */
  toLocalUid(dfsUid: number): number {
    if (this.mode === 'identity') return dfsUid;
    return this.uidOut.get(dfsUid) ?? this.unmappedUid;
  }

  toLocalGid(dfsGid: number): number {
    if (this.mode === 'identity') return dfsGid;
    return this.gidOut.get(dfsGid) ?? this.unmappedGid;
  }

  /** The dfs uid for a local one (chown from the mount); undefined when none maps; -1 stays -1. */
  toDfsUid(localUid: number): number | undefined {
    if (localUid === UNCHANGED_ID || this.mode === 'identity') return localUid;
    return this.uidIn.get(localUid);
  }

  toDfsGid(localGid: number): number | undefined {
    if (localGid === UNCHANGED_ID || this.mode === 'identity') return localGid;
    return this.gidIn.get(localGid);
  }

  /** Attributes with the owner and group as this machine should see them. */
  localAttr(a: Attr): Attr {
    if (this.mode === 'identity') return a; // every stat passes here: no copy when nothing changes
    return { ...a, uid: this.toLocalUid(a.uid), gid: this.toLocalGid(a.gid) };
  }
}
