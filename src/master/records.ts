// Every change to the master's state is one of these records. The service validates a
// request, turns it into records, and `MasterState.apply` performs them; the journal writes
// the same records and replays them at start-up, so live and replayed state cannot differ.
import type { FileType } from '../protocol/types.js';

export interface BlockPlacement {
  index: number;
  id: string;
  /** Plaintext bytes in the block. */
  size: number;
  /** Storage node ids holding a copy. */
  nodes: string[];
  /** An overlay (block-overlays.ts): the slot's pages it holds, laid over what the slot holds. */
  pages?: number[];
}

export type MutationRecord =
  /** The first record of every cluster: fixes the block size and makes the root directory. */
  | { op: 'format'; time: number; blockSize: number; replicas: number }
  | {
      op: 'mknod';
      ino: number;
      parent: number;
      name: string;
      type: FileType;
      mode: number;
      uid: number;
      gid: number;
      time: number;
      replicas: number;
      target?: string;
      key?: string;
      /** Character and block devices: the device number (absent in older journals: 0). */
      rdev?: number;
    }
  | { op: 'link'; ino: number; parent: number; name: string; time: number }
  /** `keep`: the file, if this was its last name, lives on for the clients holding it open (namespace.ts). */
  | { op: 'unlink'; parent: number; name: string; time: number; keep?: boolean }
  | { op: 'rename'; from: number; fromName: string; to: number; toName: string; time: number; keep?: boolean }
  /** A file with no name left, which no client holds open any more, goes. */
  | { op: 'forget'; ino: number }
  /** An extended attribute set (value, base64) or removed (no value). */
  | { op: 'xattr'; ino: number; name: string; value?: string; time: number }
  | {
      op: 'setattr';
      ino: number;
      time: number;
      mode?: number;
      uid?: number;
      gid?: number;
      atime?: number;
      mtime?: number;
      replicas?: number;
    }
  | { op: 'commit'; ino: number; size: number; blocks: BlockPlacement[]; time: number }
  | {
      op: 'user';
      name: string;
      uid: number;
      gid: number;
      salt: string;
      hash: string;
      admin: boolean;
      groups: number[];
      /** TOTP secret sealed under the master key; set once confirmed with a code. */
      totp?: string | null;
      /** A TOTP secret handed out by `mfa.enable` and not yet confirmed. */
      totpPending?: string | null;
    }
  | { op: 'group'; name: string; gid: number; members: string[] }
  | { op: 'session'; hash: string; user: string; expires: number; created?: number; from?: string }
  | { op: 'endSession'; hash: string }
  /** The last TOTP time step a user logged in with: codes of that step or earlier are spent. */
  | { op: 'totpUsed'; user: string; step: number }
  | { op: 'locate'; id: string; add?: string[]; remove?: string[] }
  /**
   * Copies of a block no file references, on these nodes, for the collector to delete: an
   * allocation that expired uncommitted, a repair copy whose file went meanwhile, a copy a
   * node listed. The garbage list changes only by records (this, unref through commit and
   * unlink, locate's removals), so a snapshot built from the journal holds the same list as
   * the live state, and neither a checkpoint nor a crash loses or leaks one.
   */
  | { op: 'garbage'; id: string; nodes: string[] }
  /**
   * Copies a client found bad (its GCM check failed) where the node's own checksum passed:
   * kept, but no longer counted, copied from or offered first, until enough good copies are
   * whole to drop them; a block whose every copy is suspect is lost (status, fsck).
   */
  | { op: 'suspect'; id: string; nodes: string[] }
  /**
   * A client's request (session hash prefix and the request id it chose) whose changes are
   * the other records of this batch: a retry of it, after a lost reply, is answered as done
   * instead of being done twice (src/master/request-once.ts).
   */
  | { op: 'request'; key: string; time: number }
  /** A storage node starts (on) or stops being emptied (`dfs node drain`); a removed node is dropped too. */
  | { op: 'drain'; node: string; on: boolean }
  // The trash (trash-bin.ts). Added beside `unlink`, which still removes at once (a
  // hard link's other names, the trash turned off).
  /** Makes the trash directory, once per cluster. */
  | { op: 'mktrash'; ino: number; time: number }
  /** Moves `parent/name` (inode `ino`) into the trash as `trashName`, kept until purged. */
  | {
      op: 'trash';
      ino: number;
      parent: number;
      name: string;
      trashName: string;
      path: string;
      uid: number;
      time: number;
      files: number;
      bytes: number;
    }
  /** Moves trash item `trashName` back into the tree as `to/toName`. */
  | { op: 'restore'; trashName: string; to: number; toName: string; time: number }
  /** Removes `parent/name` and everything under it for good (a trash item, or a tree removed past the trash). */
  | { op: 'purge'; parent: number; name: string; time: number };

/** Where mutations go to become durable; the journal implements it. */
export interface MutationLog {
  append(records: MutationRecord[]): Promise<void>;
  close(): Promise<void>;
}
