// What a client asks the master about people and the cluster: logging in and out, users,
// passwords, the second factor, sessions and groups; the cluster's status, its nodes and
// its own information. Files and directories are the DfsClient's (client.ts).
import type { Res, Whoami } from '../protocol/methods.js';
import { REASON } from '../protocol/reasons.js';
import type { ClusterInfo, ClusterStatus, GroupInfo, LoginResult, NodeEntry, SessionInfo, UserInfo } from '../protocol/types.js';
import type { DfsError } from '../rpc/errors.js';
import { MasterSession } from './master-session.js';

export class AccountsClient extends MasterSession {
  // ---- sessions ----

  async login(user: string, password: string, totp?: string): Promise<LoginResult> {
    const r = (await this.send('auth.login', { user, password, totp })).meta as unknown as Res<'auth.login'>;
    this.token = r.token;
    return r;
  }

  async logout(): Promise<void> {
    try {
      await this.call('auth.logout', {});
    } catch (err) {
      // a retry of a logout whose reply was lost finds the session ended: what was asked
      if ((err as DfsError).reason !== REASON.badSession) throw err;
    }
    this.token = undefined;
  }

  whoami(): Promise<Whoami> {
    return this.call('auth.whoami', {});
  }

  addUser(name: string, password: string): Promise<{ name: string; uid: number; gid: number }> {
    return this.call('user.add', { name, password });
  }

  async listUsers(): Promise<UserInfo[]> {
    return (await this.call('user.list', {})).users;
  }

  /** A new password for `user` (default: yourself); ends that user's other sessions. */
  async setPassword(password: string, user?: string): Promise<void> {
    await this.call('user.passwd', { password, user });
  }

  // ---- second factor ----

  /** Starts enrolment: a new TOTP secret, active once `mfaConfirm` gets a code from it. */
  async mfaEnable(currentCode?: string): Promise<{ secret: string; uri: string; replacing: boolean }> {
    return this.call('mfa.enable', { code: currentCode });
  }

  async mfaConfirm(code: string): Promise<void> {
    await this.call('mfa.confirm', { code });
  }

  async mfaDisable(user?: string, code?: string): Promise<void> {
    await this.call('mfa.disable', { user, code });
  }

  // ---- sessions, groups ----

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.call('session.list', {})).sessions;
  }

  /** Ends a session by id, or every session of `user`; returns how many ended. */
  async revokeSessions(which: { id: string } | { user: string }): Promise<number> {
    return (await this.call('session.revoke', which)).revoked;
  }

  async listGroups(): Promise<GroupInfo[]> {
    return (await this.call('group.list', {})).groups;
  }

  async addGroup(name: string): Promise<GroupInfo> {
    return this.call('group.add', { name });
  }

  async addGroupMember(group: string, user: string): Promise<GroupInfo> {
    return this.call('group.adduser', { group, user });
  }

  async removeGroupMember(group: string, user: string): Promise<GroupInfo> {
    return this.call('group.deluser', { group, user });
  }

  status(): Promise<ClusterStatus> {
    return this.call('cluster.status', {});
  }

  /** Every storage node the master knows, with its state (draining, drained) and what it holds. */
  async nodes(): Promise<NodeEntry[]> {
    return (await this.call('cluster.nodes', {})).nodes;
  }

  /** Starts (or, with `undo`, stops) emptying a node before it is taken out. */
  async drainNode(id: string, undo = false): Promise<NodeEntry | null> {
    return (await this.call('node.drain', { id, undo })).node;
  }

  /** Forgets a node that is down; `force` even when that forgets the only copy of blocks. */
  removeNode(id: string, force = false): Promise<{ forgotten: number; lost: number }> {
    return this.call('node.remove', { id, force });
  }

  /** The master's version and uptime, who is connected, and the trash's size. */
  clusterInfo(): Promise<ClusterInfo> {
    return this.call('cluster.info', {});
  }
}
