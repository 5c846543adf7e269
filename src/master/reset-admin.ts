// `dfs master reset-admin`: a new admin password, set on the master's host with the master
// stopped, for when no admin can log in (the password lost, the second factor lost, or a
// first start that never showed it). It writes the change to the master's journal, as the
// master itself would; the next start serves it. Its second factor is turned off and its
// sessions end.
import { randomBytes } from 'node:crypto';
import { userRecord } from './auth-service.js';
import { hasMetadata, MetadataStore } from './persistence.js';
import type { MutationRecord } from './records.js';
import { MasterState } from './state.js';
import { ADMIN_UID, newPasswordHash } from './users.js';
import { DfsError } from '../rpc/errors.js';
import { holdDataDir } from './data-dir-lock.js';

export interface ResetResult {
  /** The new password, when it was generated rather than given. */
  generated?: string;
  sessionsEnded: number;
  mfaWasOn: boolean;
}

export async function resetAdmin(dataDir: string, password?: string): Promise<ResetResult> {
  if (!hasMetadata(dataDir)) throw new DfsError('ENOENT', `no master metadata in ${dataDir} (give the master's --data-dir)`);
  holdDataDir(dataDir, 'a master');
  const state = new MasterState();
  const { store } = await MetadataStore.open(dataDir, state);
  try {
    const pw = password ?? randomBytes(12).toString('base64url');
    if (pw.length < 4) throw new DfsError('EINVAL', 'password is too short');
    const { salt, hash } = await newPasswordHash(pw);
    const admin = state.users.users.get('admin');
    const records: MutationRecord[] = [
      admin ? userRecord(admin, { salt, hash, totp: null, totpPending: null }) : { op: 'user', name: 'admin', uid: ADMIN_UID, gid: 0, salt, hash, admin: true, groups: [] },
    ];
    const sessions = [...state.users.sessions.values()].filter((s) => s.user === 'admin');
    for (const s of sessions) records.push({ op: 'endSession', hash: s.hash });
    await store.append(records);
    return { generated: password === undefined ? pw : undefined, sessionsEnded: sessions.length, mfaWasOn: Boolean(admin?.totp) };
  } finally {
    await store.close();
  }
}
