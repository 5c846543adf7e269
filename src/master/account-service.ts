// User and group administration. Adding and changing accounts is for admins; listing is
// for everyone logged in (as /etc/passwd and /etc/group are), so a mount can map owners.
import { DfsError } from '../rpc/errors.js';
import { str } from '../rpc/params.js';
import { userRecord } from './auth-service.js';
import type { MasterContext, MasterHandlers } from './context.js';
import type { Caller } from './permissions.js';
import { once } from './request-once.js';
import { newPasswordHash } from './users.js';

const NAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

function adminOnly(c: Caller, what: string): void {
  if (!c.user.admin) throw new DfsError('EPERM', `only an admin may ${what}`);
}

function checkAccountName(name: string, what: string): void {
  if (!NAME_RE.test(name)) throw new DfsError('EINVAL', `${what} names are lower-case letters, digits, _ and -, at most 32`);
}

export function accountHandlers(m: MasterContext): MasterHandlers {
  return once(m, plainAccountHandlers(m), {
    // a retry of an addition that was done (its reply lost): the account as it is
    'user.add': ({ meta }) => {
      const u = m.state.users.users.get(str(meta, 'name', 64));
      if (!u) throw new DfsError('ENOENT', 'the user added has been removed since');
      return { meta: { name: u.name, uid: u.uid, gid: u.gid } };
    },
    'group.add': ({ meta }) => {
      const g = m.state.users.groups.get(str(meta, 'name', 64));
      if (!g) throw new DfsError('ENOENT', 'the group added has been removed since');
      return { meta: { name: g.name, gid: g.gid, members: g.members } };
    },
  });
}

function plainAccountHandlers(m: MasterContext): MasterHandlers {
  const users = m.state.users;

  /** Users and groups share one name space: a user's own group is named after the user. */
  function refuseTaken(name: string): void {
    if (users.users.has(name)) throw new DfsError('EEXIST', `user ${name} exists`);
    if (users.groups.has(name)) throw new DfsError('EEXIST', `group ${name} exists`);
  }

  return {
    'user.add': async ({ meta }) => {
      const c = m.caller(meta);
      adminOnly(c, 'add users');
      const name = str(meta, 'name', 64);
      checkAccountName(name, 'user');
      const password = str(meta, 'password', 1024);
      if (password.length < 4) throw new DfsError('EINVAL', 'password is too short');
      refuseTaken(name);
      const uid = users.nextUid();
      const { salt, hash } = await newPasswordHash(password);
      await m.mutate([{ op: 'user', name, uid, gid: uid, salt, hash, admin: false, groups: [] }]);
      return { meta: { name, uid, gid: uid } };
    },

    'user.list': ({ meta }) => {
      m.caller(meta);
      return {
        meta: {
          users: [...users.users.values()].map((u) => ({ name: u.name, uid: u.uid, gid: u.gid, admin: u.admin, mfa: Boolean(u.totp) })),
        },
      };
    },

    'user.passwd': async ({ meta }) => {
      const c = m.caller(meta);
      const name = typeof meta.user === 'string' ? str(meta, 'user', 64) : c.user.name;
      if (name !== c.user.name) adminOnly(c, "change another user's password");
      const target = users.users.get(name);
      if (!target) throw new DfsError('ENOENT', `no user ${name}`);
      const password = str(meta, 'password', 1024);
      if (password.length < 4) throw new DfsError('EINVAL', 'password is too short');
      const { salt, hash } = await newPasswordHash(password);
      // a new password ends every session of the user but the caller's own
      const ended = [...users.sessions.values()].filter((s) => s.user === name && s.hash !== c.session);
      await m.mutate([userRecord(target, { salt, hash }), ...ended.map((s) => ({ op: 'endSession' as const, hash: s.hash }))]);
    },

    'group.add': async ({ meta }) => {
      const c = m.caller(meta);
      adminOnly(c, 'add groups');
      const name = str(meta, 'name', 64);
      checkAccountName(name, 'group');
      refuseTaken(name);
      const gid = users.nextUid();
      await m.mutate([{ op: 'group', name, gid, members: [] }]);
      return { meta: { name, gid, members: [] } };
    },

    'group.adduser': async ({ meta }) => {
      const c = m.caller(meta);
      adminOnly(c, 'change groups');
      const g = users.groups.get(str(meta, 'group', 64));
      if (!g) throw new DfsError('ENOENT', `no group ${meta.group as string}`);
      const user = str(meta, 'user', 64);
      if (!users.users.has(user)) throw new DfsError('ENOENT', `no user ${user}`);
      if (g.members.includes(user)) return { meta: { name: g.name, gid: g.gid, members: g.members } };
      const members = [...g.members, user];
      await m.mutate([{ op: 'group', name: g.name, gid: g.gid, members }]);
      return { meta: { name: g.name, gid: g.gid, members } };
    },

    'group.deluser': async ({ meta }) => {
      const c = m.caller(meta);
      adminOnly(c, 'change groups');
      const g = users.groups.get(str(meta, 'group', 64));
      if (!g) throw new DfsError('ENOENT', `no group ${meta.group as string}`);
      const user = str(meta, 'user', 64);
      if (!g.members.includes(user)) throw new DfsError('ENOENT', `${user} is not in ${g.name}`);
      const members = g.members.filter((u) => u !== user);
      await m.mutate([{ op: 'group', name: g.name, gid: g.gid, members }]);
      return { meta: { name: g.name, gid: g.gid, members } };
    },

    'group.list': ({ meta }) => {
      m.caller(meta);
      return { meta: { groups: [...users.groups.values()].map((g) => ({ name: g.name, gid: g.gid, members: g.members })) } };
    },
  };
}
