// Users, groups and sessions. Passwords are scrypt hashes; session tokens are stored
// only as SHA-256 hashes, so a leaked journal or snapshot gives no one a live session.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface User {
  name: string;
  uid: number;
  gid: number;
  salt: string;
  hash: string;
  admin: boolean;
  /** Supplementary group ids. */
  groups: number[];
  /** Sealed TOTP secret (see KeyWrapper.seal); null when the user has no second factor. */
  totp?: string | null;
  totpPending?: string | null;
  /** The last TOTP time step used: codes of that step or earlier are spent. */
  totpStep?: number;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

export interface Session {
  hash: string;
  user: string;
  expires: number;
  created?: number;
  /** The address the session logged in from. */
  from?: string;
}

export const ADMIN_UID = 0;
const FIRST_UID = 1000;

/** What `session list` shows for a session: a prefix of its hash, never the token. */
export function sessionId(hash: string): string {
  return hash.slice(0, 12);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function scryptHash(password: string, salt: string): Promise<string> {
  return new Promise((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'hex'), 32, { N: 16384, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(key.toString('hex')))),
  );
}

export async function passwordMatches(user: User, password: string): Promise<boolean> {
  const got = Buffer.from(await scryptHash(password, user.salt), 'hex');
  const want = Buffer.from(user.hash, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function newPasswordHash(password: string): Promise<{ salt: string; hash: string }> {
  const salt = randomBytes(16).toString('hex');
  return { salt, hash: await scryptHash(password, salt) };
}

export class Users {
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly sessions = new Map<string, Session>();

  byUid(uid: number): User | undefined {
    for (const u of this.users.values()) if (u.uid === uid) return u;
    return undefined;
  }

  nextUid(): number {
    let max = FIRST_UID - 1;
    for (const u of this.users.values()) max = Math.max(max, u.uid);
    for (const g of this.groups.values()) max = Math.max(max, g.gid);
    return max + 1;
  }

  /** The groups a user is in: its own, supplementary, and named groups listing it. */
  gidsOf(user: User): Set<number> {
    const gids = new Set<number>([user.gid, ...user.groups]);
    for (const g of this.groups.values()) if (g.members.includes(user.name)) gids.add(g.gid);
    return gids;
  }

  session(token: string, now: number): { session: Session; user: User } | undefined {
    return this.sessionByHash(hashToken(token), now);
  }

  sessionByHash(hash: string, now: number): { session: Session; user: User } | undefined {
    const s = this.sessions.get(hash);
    if (!s || s.expires <= now) return undefined;
    const user = this.users.get(s.user);
    return user ? { session: s, user } : undefined;
  }
}
