// Whom a call acts for. A mount made with --multi-user serves every local user as themselves:
// each FUSE request runs in the context of its caller's ids (mapped to dfs ids), and every
// call to the master made for it carries them (`as`), so the master checks permissions and
// sets owners for that user. Only an admin's session may act for others (master.ts `caller`).
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: readonly number[];
}

export const actingAs = new AsyncLocalStorage<Identity>();
