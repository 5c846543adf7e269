// The second factor, login throttling and sessions: codes work once within a ±1 step
// window, repeated failures lock a user and an address out, sessions are listed by hash
// prefix and revoked, and no token or TOTP secret is ever written in the clear.
import path from 'node:path';
import t, { type Test } from 'tap';
import { DfsClient } from '../../src/client/client.js';
import { Master } from '../../src/master/master.js';
import type { MutationRecord } from '../../src/master/records.js';
import { totpCode } from '../../src/master/totp.js';
import { ADMIN_PASSWORD, localCluster, tempDir, type LocalCluster } from '../helpers/cluster.js';
import { refusal } from '../helpers/bytes.js';

const STEP = 30_000;

/** Every record the master makes durable, as the journal would see it. */
function recordLog(m: Master): MutationRecord[] {
  const seen: MutationRecord[] = [];
  const inner = m.log;
  m.log = {
    append: async (records) => {
      seen.push(...records);
      await inner.append(records);
    },
    close: () => inner.close(),
  };
  return seen;
}

async function enrol(c: DfsClient): Promise<string> {
  const { secret, uri } = await c.mfaEnable();
  if (!uri.startsWith('otpauth://totp/')) throw new Error(`not an otpauth URI: ${uri}`);
  await c.mfaConfirm(totpCode(secret));
  return secret;
}

/** A client that is not logged in yet, closed at teardown. */
function fresh(t: Test, cluster: LocalCluster): DfsClient {
  const c = new DfsClient(cluster.url);
  return c;
}

t.test('TOTP: a right code is accepted once; wrong, replayed and stale codes are refused', async (t) => {
  const cluster = await localCluster(t, { nodes: 1, loginLimits: { failureDelayMs: 0, maxFailuresPerUser: 100, maxFailuresPerAddress: 100 } });
  const records = recordLog(cluster.master);
  await cluster.admin.addUser('bob', 'bob-password');
  const bob = await cluster.client('bob', 'bob-password');

  const { secret, uri } = await bob.mfaEnable();
  t.match(uri, new RegExp(`^otpauth://totp/dfs:bob\\?.*secret=${secret}`), 'an otpauth:// URI with the secret');
  const stillOpen = fresh(t, cluster);
  await stillOpen.login('bob', 'bob-password'); // not active before it is confirmed
  t.pass('an unconfirmed secret does not guard logins yet');
  const badConfirm = await refusal(bob.mfaConfirm('000000' === totpCode(secret) ? '111111' : '000000'));
  t.equal(badConfirm.reason, 'totp-wrong', 'confirming with a wrong code fails');
  const now = Date.now();
  await bob.mfaConfirm(totpCode(secret, now));
  t.ok((await bob.whoami()).mfa, 'the second factor is on after confirmation');

  const c = fresh(t, cluster);
  const need = await refusal(c.login('bob', 'bob-password'));
  t.same([need.code, need.reason], ['EACCES', 'totp-required'], 'a right password alone gets EACCES + totp-required');
  const wrongPw = await refusal(c.login('bob', 'nope', totpCode(secret, now + STEP)));
  t.same([wrongPw.code, wrongPw.reason], ['EACCES', 'bad-password'], 'a wrong password is refused before the code is looked at');
  const wrong = await refusal(c.login('bob', 'bob-password', '12345x'));
  t.same([wrong.code, wrong.reason], ['EACCES', 'totp-wrong'], 'a malformed code is refused');
  const stale = await refusal(c.login('bob', 'bob-password', totpCode(secret, now - 3 * STEP)));
  t.equal(stale.reason, 'totp-wrong', 'a code three steps old is outside the window');
  const early = await refusal(c.login('bob', 'bob-password', totpCode(secret, now + 3 * STEP)));
  t.equal(early.reason, 'totp-wrong', 'a code three steps ahead is outside the window');
  const replay = await refusal(c.login('bob', 'bob-password', totpCode(secret, now)));
  t.equal(replay.reason, 'totp-reused', 'the code used to confirm cannot log in');

  const next = totpCode(secret, now + STEP);
  const r = await c.login('bob', 'bob-password', next);
  t.equal(r.user, 'bob', 'the next step’s code (inside the ±1 window) logs in');
  const again = await refusal(fresh(t, cluster).login('bob', 'bob-password', next));
  t.equal(again.reason, 'totp-reused', 'the same code a second time is refused');
  const older = await refusal(fresh(t, cluster).login('bob', 'bob-password', totpCode(secret, now)));
  t.equal(older.reason, 'totp-reused', 'an earlier step than the last used is refused too');

  const used = records.filter((x) => x.op === 'totpUsed');
  t.ok(used.length >= 2, 'each accepted code is a totpUsed record (the journal keeps it)');
  const dump = JSON.stringify(records);
  t.notOk(dump.includes(secret), 'the TOTP secret never appears in a record in the clear');
  t.notOk(dump.includes(r.token), 'the session token never appears in a record');

  // switching it off takes a current code from a user (a stolen session alone cannot)
  const noCode = await refusal(bob.mfaDisable());
  t.equal(noCode.reason, 'totp-required', 'disabling without a code is refused');
  const other = await refusal(bob.mfaDisable('admin'));
  t.equal(other.code, 'EPERM', "a user cannot touch someone else's second factor");
  await cluster.admin.mfaDisable('bob');
  const plain = fresh(t, cluster);
  await plain.login('bob', 'bob-password');
  t.pass('an admin switched it off (lost phone) and the password alone works again');
});

t.test('the spent TOTP step survives a master restart (it is journalled)', async (t) => {
  const dir = tempDir(t);
  const start = async (): Promise<Master> => {
    const m = new Master({ host: '127.0.0.1', port: 0, dataDir: path.join(dir, 'master'), adminPassword: ADMIN_PASSWORD });
    await m.start();
    return m;
  };
  let m = await start();
  const a = new DfsClient(m.server.url);
  await a.login('admin', ADMIN_PASSWORD);
  const secret = await enrol(a);
  a.close();
  const code = totpCode(secret, Date.now() + STEP);
  const b = new DfsClient(m.server.url);
  await b.login('admin', ADMIN_PASSWORD, code);
  b.close();
  await m.stop();

  m = await start();
  t.teardown(() => m.stop());
  const c = new DfsClient(m.server.url);
  t.teardown(() => c.close());
  const replay = await refusal(c.login('admin', ADMIN_PASSWORD, code));
  t.equal(replay.reason, 'totp-reused', 'after a restart the used code is still spent');
  const need = await refusal(c.login('admin', ADMIN_PASSWORD));
  t.equal(need.reason, 'totp-required', 'and the second factor is still on');
});

t.test('failed logins are slowed, then locked out per user and per address', async (t) => {
  const limits = { maxFailuresPerUser: 3, maxFailuresPerAddress: 7, failureDelayMs: 60, maxDelayMs: 1000, lockoutMs: 2500 };
  const cluster = await localCluster(t, { nodes: 1, loginLimits: limits });
  for (const u of ['bob', 'carol', 'dave']) await cluster.admin.addUser(u, `${u}-password`);
  const c = fresh(t, cluster);

  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const e = await refusal(c.login('bob', 'guess' + i));
    times.push(Date.now() - t0);
    t.equal(e.reason, 'bad-password', `guess ${i + 1} refused`);
  }
  t.ok(times[2] >= 3 * limits.failureDelayMs, `the third failure is answered later (${times.join(', ')} ms)`);
  const locked = await refusal(c.login('bob', 'bob-password'));
  t.same([locked.code, locked.reason], ['EACCES', 'locked-out'], 'after 3 failures even the right password is refused');
  t.match(locked.message, /try again in \d+ s/, 'the message says when to try again');

  await c.login('carol', 'carol-password');
  t.pass('another user from the same address still logs in');
  for (let i = 0; i < 4; i++) await refusal(c.login(`nobody${i}`, 'x'));
  const byAddress = await refusal(c.login('dave', 'dave-password'));
  t.equal(byAddress.reason, 'locked-out', 'after 7 failures from one address, every login from it waits');

  await new Promise((r) => setTimeout(r, limits.lockoutMs + 200));
  const r = await c.login('bob', 'bob-password');
  t.equal(r.user, 'bob', 'the lock runs out');

  // wrong TOTP codes count as failures too
  const bob = await cluster.client('bob', 'bob-password');
  const secret = await enrol(bob);
  const bad = totpCode(secret) === '000000' ? '111111' : '000000';
  for (let i = 0; i < 3; i++) t.equal((await refusal(c.login('bob', 'bob-password', bad))).reason, 'totp-wrong');
  t.equal((await refusal(c.login('bob', 'bob-password', totpCode(secret, Date.now() + STEP)))).reason, 'locked-out', 'wrong codes lock the user out too');
});

t.test('parallel guesses get no more wrong-password answers than the lock allows', async (t) => {
  // the default limits: 5 failures lock a user name
  const cluster = await localCluster(t, { nodes: 1 });
  await cluster.admin.addUser('erin', 'erin-password');
  const clients = Array.from({ length: 40 }, () => fresh(t, cluster));
  t.teardown(() => clients.forEach((c) => c.close()));
  const answers = await Promise.all(clients.map((c, i) => refusal(c.login('erin', `guess-${i}`))));
  const reasons = new Map<string, number>();
  for (const e of answers) reasons.set(e.reason ?? e.code, (reasons.get(e.reason ?? e.code) ?? 0) + 1);
  const wrong = reasons.get('bad-password') ?? 0;
  t.ok(wrong <= 5, `at most 5 guesses were checked: ${JSON.stringify([...reasons])}`);
  t.equal(wrong, 5, 'and the lock took all 5 before it closed');
  for (const [reason] of reasons) t.ok(['bad-password', 'locked-out', 'login-busy'].includes(reason), `${reason} is a refusal that says why`);
  t.equal((await refusal(fresh(t, cluster).login('erin', 'erin-password'))).reason, 'locked-out', 'the name is locked, even for the right password');
});

t.test('sessions: listed by hash prefix, revoked by the owner or an admin', async (t) => {
  const cluster = await localCluster(t, { nodes: 1 });
  const records = recordLog(cluster.master);
  await cluster.admin.addUser('bob', 'bob-password');
  await cluster.admin.addUser('carol', 'carol-password');
  const bob1 = await cluster.client('bob', 'bob-password');
  const bob2 = await cluster.client('bob', 'bob-password');
  const carol = await cluster.client('carol', 'carol-password');

  const mine = await bob1.listSessions();
  t.equal(mine.length, 2, 'bob sees his two sessions only');
  t.ok(
    mine.every((s) => s.user === 'bob' && /^[0-9a-f]{12}$/.test(s.id)),
    'ids are 12 hex digits',
  );
  t.equal(mine.filter((s) => s.current).length, 1, 'one is marked as the current one');
  const all = await cluster.admin.listSessions();
  t.same(new Set(all.map((s) => s.user)), new Set(['admin', 'bob', 'carol']), 'an admin sees everyone’s');
  const listed = JSON.stringify(all);
  for (const c of [bob1, bob2, carol, cluster.admin]) t.notOk(listed.includes(c.token!), 'no token in the list');
  for (const c of [bob1, bob2, carol]) t.notOk(JSON.stringify(records).includes(c.token!), 'no token in any record');
  const stored = [...cluster.master.state.users.sessions.keys()];
  for (const c of [bob1, bob2, carol]) t.notOk(stored.includes(c.token!), 'the master keys sessions by hash, not token');

  const adminId = all.find((s) => s.user === 'admin')!.id;
  t.equal((await refusal(carol.revokeSessions({ id: adminId }))).code, 'ENOENT', "a user cannot end an admin's session");
  t.equal((await refusal(carol.revokeSessions({ user: 'bob' }))).code, 'EPERM', "nor all of another user's");
  t.equal((await refusal(carol.revokeSessions({ id: 'abc' }))).code, 'EINVAL', 'a short id is refused');

  const other = mine.find((s) => !s.current)!;
  t.equal(await bob1.revokeSessions({ id: other.id }), 1, 'bob ends his other session');
  t.equal((await refusal(bob2.whoami())).reason, 'bad-session', 'that session is dead');
  t.equal(await cluster.admin.revokeSessions({ user: 'carol' }), 1, 'an admin ends all of carol’s sessions');
  t.equal((await refusal(carol.whoami())).code, 'EACCES', 'carol is logged out');
  const token = bob1.token!;
  await bob1.logout();
  const stolen = new DfsClient(cluster.url, { token });
  t.teardown(() => stolen.close());
  t.equal((await refusal(stolen.whoami())).reason, 'bad-session', 'logout revokes the token at the master');
});
