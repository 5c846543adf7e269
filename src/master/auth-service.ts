// Login (password and, where enabled, a TOTP code), sessions and the second factor.
import { REASON } from '../protocol/reasons.js';
import { DEFAULTS } from '../defaults.js';
import { DfsError } from '../rpc/errors.js';
import { optStr, str } from '../rpc/params.js';
import type { MasterContext, MasterHandlers } from './context.js';
import type { LoginGuard } from './login-guard.js';
import type { MutationRecord } from './records.js';
import type { LoginAttempt } from './login-guard.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';
import { hashToken, newPasswordHash, newToken, passwordMatches, sessionId, type User } from './users.js';

/** Expired sessions forgotten per login, so the table does not grow without end. */
const PRUNE_PER_LOGIN = 100;

/** The full 'user' record for `u` with some fields changed: a user record replaces the user. */
export function userRecord(u: User, changes: Partial<User> = {}): MutationRecord {
  const v = { ...u, ...changes };
  return {
    op: 'user',
    name: v.name,
    uid: v.uid,
    gid: v.gid,
    salt: v.salt,
    hash: v.hash,
    admin: v.admin,
    groups: v.groups,
    totp: v.totp ?? null,
    totpPending: v.totpPending ?? null,
  };
}

export function authHandlers(m: MasterContext, guard: LoginGuard): MasterHandlers {
  const users = m.state.users;
  const totpContext = (name: string): string => `dfs-totp:${name}`;
  const secretOf = (name: string, sealed: string): string => m.keys.open(sealed, totpContext(name)).toString('utf8');

  /** The time step of a good, unused code, or a refusal the CLI can branch on. */
  function checkCode(user: User, sealed: string, code: string | undefined): number {
    if (!code) throw new DfsError('EACCES', 'a one-time code from your authenticator app is required', { reason: REASON.totpRequired });
    const step = totpStep(secretOf(user.name, sealed), code, Date.now(), DEFAULTS.totpWindowSteps);
    if (step === null) throw new DfsError('EACCES', 'wrong one-time code', { reason: REASON.totpWrong });
    if (step <= (user.totpStep ?? -1)) {
      throw new DfsError('EACCES', 'this one-time code was used already; wait for the next one', { reason: REASON.totpReused });
    }
    return step;
  }

  function expiredSessions(now: number): MutationRecord[] {
    const out: MutationRecord[] = [];
    for (const s of users.sessions.values()) {
      if (out.length >= PRUNE_PER_LOGIN) break;
      if (s.expires <= now) out.push({ op: 'endSession', hash: s.hash });
    }
    return out;
  }

  return {
    'auth.login': async ({ meta }, peer) => {
      const name = str(meta, 'user', 64);
      const password = str(meta, 'password', 1024);
      const code = optStr(meta, 'totp', 16);
      const address = peer.remoteAddress;
      const release = await guard.enter(address);
      let delay = 0;
      let attempt: LoginAttempt | undefined;
      try {
        attempt = guard.attempt(name, address);
        const user = users.users.get(name);
        // Same work whether or not the user exists, so timing does not tell.
        const ok = user ? await passwordMatches(user, password) : (await newPasswordHash(password), false);
        if (!user || !ok) {
          delay = attempt.fail();
          throw new DfsError('EACCES', 'wrong user name or password', { reason: REASON.badPassword });
        }
        const records: MutationRecord[] = [];
        if (user.totp) {
          try {
            records.push({ op: 'totpUsed', user: name, step: checkCode(user, user.totp, code) });
          } catch (err) {
            // asking for the code is no failure; a wrong or replayed one is
            if ((err as DfsError).reason !== REASON.totpRequired) delay = attempt.fail();
            throw err;
          }
        }
        attempt.succeed();
        const token = newToken();
        const now = Date.now();
        const expires = now + m.config.sessionTtlMs;
        records.push({ op: 'session', hash: hashToken(token), user: name, expires, created: now, from: address });
        await m.mutate([...records, ...expiredSessions(now)]);
        return { meta: { token, expires, user: name, uid: user.uid, gid: user.gid, admin: user.admin } };
      } finally {
        attempt?.end();
        release();
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      }
    },

    'auth.logout': async ({ meta }) => {
      const c = m.caller(meta);
      await m.mutate([{ op: 'endSession', hash: c.session! }]);
    },

    'auth.whoami': ({ meta }) => {
      const c = m.caller(meta);
      return {
        meta: {
          user: c.user.name,
          uid: c.uid,
          gid: c.user.gid,
          admin: c.user.admin,
          groups: [...c.gids],
          mfa: Boolean(c.user.totp),
        },
      };
    },

    // ---- second factor ----

    /** Hands out a new secret; it guards logins only once `mfa.confirm` proves the app has it. */
    'mfa.enable': async ({ meta }) => {
      const c = m.caller(meta);
      const secret = newTotpSecret();
      const issuer = optStr(meta, 'issuer', 64) ?? 'dfs';
      const records: MutationRecord[] = [];
      // replacing a working factor takes a code from it, or a stolen session could swap it
      if (c.user.totp && !c.user.admin) {
        records.push({ op: 'totpUsed', user: c.user.name, step: checkCode(c.user, c.user.totp, optStr(meta, 'code', 16)) });
      }
      records.push(userRecord(c.user, { totpPending: m.keys.seal(Buffer.from(secret), totpContext(c.user.name)) }));
      await m.mutate(records);
      return { meta: { secret, uri: totpUri(secret, c.user.name, issuer), replacing: Boolean(c.user.totp) } };
    },

    'mfa.confirm': async ({ meta }) => {
      const c = m.caller(meta);
      const pending = c.user.totpPending;
      if (!pending) throw new DfsError('ENOENT', 'no second factor is waiting for confirmation: run `dfs user mfa enable`');
      const step = checkCode(c.user, pending, str(meta, 'code', 16));
      await m.mutate([userRecord(c.user, { totp: pending, totpPending: null }), { op: 'totpUsed', user: c.user.name, step }]);
    },

    /** Users turn their own second factor off with a current code; an admin may for anyone. */
    'mfa.disable': async ({ meta }) => {
      const c = m.caller(meta);
      const name = optStr(meta, 'user', 64) ?? c.user.name;
      const target = users.users.get(name);
      if (!target) throw new DfsError('ENOENT', `no user ${name}`);
      if (name !== c.user.name && !c.user.admin) throw new DfsError('EPERM', "only an admin may change another user's second factor");
      if (!target.totp && !target.totpPending) throw new DfsError('ENOENT', `${name} has no second factor`);
      const records: MutationRecord[] = [];
      // a stolen session alone must not strip the second factor
      if (!c.user.admin && target.totp) {
        records.push({ op: 'totpUsed', user: name, step: checkCode(target, target.totp, optStr(meta, 'code', 16)) });
      }
      await m.mutate([...records, userRecord(target, { totp: null, totpPending: null })]);
    },

    // ---- sessions ----

    /** Everyone sees their own sessions; an admin sees all. Ids are hash prefixes, never tokens. */
    'session.list': ({ meta }) => {
      const c = m.caller(meta);
      const now = Date.now();
      const sessions = [...users.sessions.values()]
        .filter((s) => s.expires > now && (c.user.admin || s.user === c.user.name))
        .map((s) => ({
          id: sessionId(s.hash),
          user: s.user,
          created: s.created ?? null,
          expires: s.expires,
          from: s.from ?? null,
          current: s.hash === c.session,
        }));
      return { meta: { sessions } };
    },

    /** Ends one session by id (a prefix of at least 8 characters) or every session of a user. */
    'session.revoke': async ({ meta }) => {
      const c = m.caller(meta);
      const id = optStr(meta, 'id', 64);
      const user = optStr(meta, 'user', 64);
      if ((id === undefined) === (user === undefined)) throw new DfsError('EINVAL', 'name a session id or a user');
      const mayTouch = (owner: string): boolean => c.user.admin || owner === c.user.name;
      let hashes: string[];
      if (id !== undefined) {
        if (!/^[0-9a-f]{8,64}$/.test(id)) throw new DfsError('EINVAL', 'a session id is 8 or more hex digits');
        const found = [...users.sessions.values()].filter((s) => s.hash.startsWith(id));
        if (found.length > 1) throw new DfsError('EINVAL', `session id ${id} is ambiguous; give more digits`);
        if (found.length === 0 || !mayTouch(found[0].user)) throw new DfsError('ENOENT', `no session ${id}`);
        hashes = [found[0].hash];
      } else {
        if (!mayTouch(user!)) throw new DfsError('EPERM', "only an admin may end another user's sessions");
        hashes = [...users.sessions.values()].filter((s) => s.user === user).map((s) => s.hash);
      }
      await m.mutate(hashes.map((hash) => ({ op: 'endSession', hash })));
      return { meta: { revoked: hashes.length } };
    },
  };
}
