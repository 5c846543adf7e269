// The master's whole state and the one function that changes it.
import { DEFAULTS } from '../defaults.js';
import { BlockMap } from './block-map.js';
import { Namespace, ROOT_INO } from './namespace.js';
import type { MutationRecord } from './records.js';
import { TrashBin } from './trash-bin.js';
import { Users } from './users.js';

export class MasterState {
  readonly blocks = new BlockMap();
  readonly ns = new Namespace(this.blocks);
  readonly users = new Users();
  /** Requests done lately (records.ts 'request'): key → time, oldest first. */
  readonly requests = new Map<string, number>();
  /** Storage nodes being emptied (records.ts 'drain'; NodeRegistry reads it). */
  readonly draining = new Set<string>();
  readonly trash = new TrashBin(this.ns);

  /** Set by the `format` record; the constructor's value only says what a new cluster gets. */
  blockSize: number;

  constructor(blockSize: number = DEFAULTS.blockSize) {
    this.blockSize = blockSize;
  }

  /** A state that has seen its `format` record (from the journal, a snapshot, or a first start). */
  get formatted(): boolean {
    return this.ns.get(ROOT_INO) !== undefined;
  }

  apply(r: MutationRecord): void {
    switch (r.op) {
      case 'format':
        this.blockSize = r.blockSize;
        this.ns.initRoot(r.time, r.replicas);
        break;
      case 'mknod':
        this.ns.mknod({
          ino: r.ino,
          parentIno: r.parent,
          name: r.name,
          type: r.type,
          mode: r.mode,
          uid: r.uid,
          gid: r.gid,
          time: r.time,
          replicas: r.replicas,
          target: r.target,
          key: r.key,
          rdev: r.rdev,
        });
        break;
      case 'link':
        this.ns.link(r.ino, r.parent, r.name, r.time);
        break;
      case 'unlink':
        this.ns.unlink(r.parent, r.name, r.time, r.keep);
        break;
      case 'rename':
        this.ns.rename(r.from, r.fromName, r.to, r.toName, r.time, r.keep);
        break;
      case 'forget':
        this.ns.forget(r.ino);
        break;
      case 'xattr':
        this.ns.setXattr(r.ino, r.name, r.value, r.time);
        break;
      case 'setattr':
        this.ns.setattr(r.ino, r, r.time);
        break;
      case 'commit':
        this.ns.commit(r.ino, r.size, r.blocks, this.blockSize, r.time);
        break;
      case 'user': {
        // the spent TOTP step is time, not secret: it outlives a change of the user record
        const totpStep = this.users.users.get(r.name)?.totpStep;
        this.users.users.set(r.name, {
          name: r.name,
          uid: r.uid,
          gid: r.gid,
          salt: r.salt,
          hash: r.hash,
          admin: r.admin,
          groups: r.groups,
          totp: r.totp ?? null,
          totpPending: r.totpPending ?? null,
          ...(totpStep === undefined ? {} : { totpStep }),
        });
        break;
      }
      case 'group':
        this.users.groups.set(r.name, { name: r.name, gid: r.gid, members: r.members });
        break;
      case 'session':
        this.users.sessions.set(r.hash, { hash: r.hash, user: r.user, expires: r.expires, created: r.created, from: r.from });
        break;
      case 'endSession':
        this.users.sessions.delete(r.hash);
        break;
      case 'totpUsed': {
        const u = this.users.users.get(r.user);
        if (u) u.totpStep = Math.max(r.step, u.totpStep ?? 0);
        break;
      }
      case 'locate':
        this.blocks.locate(r.id, r.add, r.remove);
        break;
      case 'garbage':
        this.blocks.addGarbage(r.id, r.nodes);
        break;
      case 'suspect':
        this.blocks.suspect(r.id, r.nodes);
        break;
      case 'request':
        this.requests.set(r.key, r.time);
        // forgotten once no retry can still come; by the records' own times, so replay agrees
        for (const [key, time] of this.requests) {
          if (time >= r.time - DEFAULTS.requestMemoryMs && this.requests.size <= DEFAULTS.requestsRemembered) break;
          this.requests.delete(key);
        }
        break;
      case 'drain':
        if (r.on) this.draining.add(r.node);
        else this.draining.delete(r.node);
        break;
      case 'mktrash':
        this.trash.makeDir(r.ino, r.time);
        break;
      case 'trash':
        this.trash.put({ ino: r.ino, name: r.trashName, parent: r.parent, origName: r.name, path: r.path, uid: r.uid, time: r.time, files: r.files, bytes: r.bytes }, r.time);
        break;
      case 'restore':
        this.trash.restore(r.trashName, r.to, r.toName, r.time);
        break;
      case 'purge':
        this.trash.purge(r.parent, r.name, r.time);
        break;
    }
  }
}
