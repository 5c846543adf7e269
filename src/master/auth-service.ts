// Login, sessions and user administration.
import { DfsError } from '../rpc/errors.js';
import { str } from '../rpc/params.js';
import type { Handlers } from '../rpc/peer.js';
import type { ConnContext, Master } from './master.js';
import { hashToken, newPasswordHash, newToken, passwordMatches } from './users.js';

const NAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

export function authHandlers(m: Master): Handlers<ConnContext> {
  const users = m.state.users;
  return {
    'auth.login': async ({ meta }) => {
      const name = str(meta, 'user', 64);
      const password = str(meta, 'password', 1024);
      const user = users.users.get(name);
      // Same work whether or not the user exists, so timing does not tell.
      const ok = user ? await passwordMatches(user, password) : (await newPasswordHash(password), false);
      if (!user || !ok) throw new DfsError('EACCES', 'wrong user name or password');
      const token = newToken();
      const expires = Date.now() + m.sessionTtlMs;
      await m.mutate([{ op: 'session', hash: hashToken(token), user: name, expires }]);
      return { meta: { token, expires, user: name, uid: user.uid, gid: user.gid, admin: user.admin } };
    },

    'auth.logout': async ({ meta }) => {
      m.caller(meta);
      await m.mutate([{ op: 'endSession', hash: hashToken(meta.token as string) }]);
    },

    'auth.whoami': ({ meta }) => {
      const c = m.caller(meta);
      return { meta: { user: c.user.name, uid: c.uid, gid: c.user.gid, admin: c.user.admin, groups: [...c.gids] } };
    },

    'user.add': async ({ meta }) => {
      const c = m.caller(meta);
      if (!c.user.admin) throw new DfsError('EPERM', 'only an admin may add users');
      const name = str(meta, 'name', 64);
      if (!NAME_RE.test(name)) throw new DfsError('EINVAL', 'user names are lower-case letters, digits, _ and -');
      const password = str(meta, 'password', 1024);
      if (password.length < 4) throw new DfsError('EINVAL', 'password is too short');
      if (users.users.has(name)) throw new DfsError('EEXIST', `user ${name} exists`);
      const uid = users.nextUid();
      const { salt, hash } = await newPasswordHash(password);
      await m.mutate([{ op: 'user', name, uid, gid: uid, salt, hash, admin: false, groups: [] }]);
      return { meta: { name, uid, gid: uid } };
    },

    'user.list': ({ meta }) => {
      m.caller(meta);
      return {
        meta: { users: [...users.users.values()].map((u) => ({ name: u.name, uid: u.uid, gid: u.gid, admin: u.admin })) },
      };
    },
  };
}
