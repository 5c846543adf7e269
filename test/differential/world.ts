// The state of one exerciser run: the reference directory, the dfs targets (one or two
// mounts, or clients) and the open handles on both sides. Every step is applied to the
// reference and to one target and their answers must agree: data, sizes, link counts, errno.
//
// What two mounts of one cluster promise is close-to-open, not a local file system's
// instant sharing, so a run keeps to it as an application sharing files over NFS would:
// before a step through one mount touches a file that another mount holds unsynced writes
// to, those handles are fsync'd; and a handle another mount has changed the file under is
// "stale" until closed: its reads and fstat are not compared (it may see the old bytes),
// though its writes and truncates still are (they must land right). O_APPEND through a stale
// handle, and removing a name whose file another mount holds open (dfs has no open-file
// tracking across mounts yet), are not generated.
import fs from 'node:fs';
import path from 'node:path';
import type { Handle, OpenHow, Target } from './targets.js';

export interface Slot {
  mount: number;
  how: OpenHow;
  ref: Handle;
  real: Handle;
  /** The reference's inode number: which file the handle is on, whatever its names now. */
  ino: number;
  /** Written since its last fsync. */
  dirty: boolean;
  /** Another mount changed the file since this was opened. */
  stale: boolean;
}

export interface WorldOptions {
  /** Whether a name whose file is open may be removed through the mount holding it (a mount hides it; the library alone does not). */
  unlinkOpenSameMount: boolean;
  /**
   * Whether rename(x, x) is tried. Not through libfuse 2's high-level API: when another mount
   * has just renamed x away from under an open handle, the call never returns
   * (native-notes/fuse-options.md, "Known faults of the high-level binding").
   */
  renameToItself: boolean;
  /**
   * Whether one file may be reached by two names in one mount (hard links, or a rename by
   * another mount under an open handle). Not through libfuse 2's high-level API, which
   * gives each name a kernel inode and page cache of its own (native-notes/fuse-options.md).
   */
  aliases: boolean;
}

export const NAMES = ['f0', 'f1', 'f2'] as const;
export const SLOTS = 4;

/** A disagreement between the reference and dfs: the run fails with it. */
class Mismatch extends Error {}

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string };

export async function outcome<T>(f: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') throw err; // not a file system's answer: a fault of the run itself
    return { ok: false, code };
  }
}

export const show = (o: Outcome<unknown>): string => (o.ok ? 'ok' : o.code);

/** DFS_EXERCISER_TRACE=1 prints every step as it starts (a hang shows where it is). */
const LIVE = process.env.DFS_EXERCISER_TRACE === '1';

export class World {
  readonly slots: (Slot | undefined)[] = new Array<Slot | undefined>(SLOTS).fill(undefined);
  /** The steps so far, with what each answered, for the report. */
  readonly trace: string[] = [];

  /** Notes a step about to run. */
  begin(step: string): void {
    if (LIVE) process.stderr.write(`step: ${step}\n`);
  }

  constructor(
    readonly ref: Target,
    /** The reference's directory, for synchronous looks in a command's precondition. */
    readonly refRoot: string,
    readonly mounts: Target[],
    readonly options: WorldOptions,
  ) {}

  /** The reference's inode of a name, or undefined when there is none. */
  inoOf(name: string): number | undefined {
    try {
      return fs.statSync(path.join(this.refRoot, name)).ino;
    } catch {
      return undefined;
    }
  }

  refSize(name: string): number | undefined {
    try {
      return fs.statSync(path.join(this.refRoot, name)).size;
    } catch {
      return undefined;
    }
  }

  /** Whether a handle of a mount other than `mount` (or any, with `any`) has the file open. */
  openElsewhere(ino: number, mount: number, any = false): boolean {
    return this.slots.some((s) => s !== undefined && s.ino === ino && (any || s.mount !== mount));
  }

  /** Close-to-open: the other mounts' unsynced writes to the file are synced before `mount` touches it. */
  async syncOthers(mount: number, ino: number | undefined): Promise<void> {
    if (ino === undefined) return;
    for (const [i, s] of this.slots.entries()) {
      if (!s || s.ino !== ino || s.mount === mount || !s.dirty) continue;
      const a = await outcome(() => s.ref.fsync());
      const b = await outcome(() => s.real.fsync());
      this.trace.push(`  (fsync slot ${i} of mount ${s.mount} before mount ${mount} touches the file: ${show(b)})`);
      this.agree(`fsync of slot ${i} (close-to-open)`, a, b);
      s.dirty = false;
    }
  }

  /** `mount` changed the file: other mounts' handles on it may now read old bytes. */
  changed(mount: number, ino: number | undefined): void {
    for (const s of this.slots) if (s && s.ino === ino && s.mount !== mount) s.stale = true;
  }

  agree(what: string, ref: Outcome<unknown>, real: Outcome<unknown>): void {
    if (ref.ok !== real.ok || (!ref.ok && !real.ok && ref.code !== real.code)) {
      throw new Mismatch(`${what}: the reference answered ${show(ref)}, dfs ${show(real)}`);
    }
  }

  same(what: string, ref: unknown, real: unknown): void {
    if (Buffer.isBuffer(ref) && Buffer.isBuffer(real)) {
      if (ref.equals(real)) return;
      let at = 0;
      while (at < Math.min(ref.length, real.length) && ref[at] === real[at]) at++;
      throw new Mismatch(`${what}: ${real.length} bytes from dfs, ${ref.length} from the reference, first difference at byte ${at}`);
    }
    if (JSON.stringify(ref) !== JSON.stringify(real)) throw new Mismatch(`${what}: the reference has ${JSON.stringify(ref)}, dfs ${JSON.stringify(real)}`);
  }

  /**
   * After every step: each name's existence, size and link count through the mount that
   * made the step, and the touched file's bytes, unless another mount holds unsynced writes.
   */
  async check(mount: number, touched?: string): Promise<void> {
    const t = this.mounts[mount];
    for (const name of NAMES) {
      const ino = this.inoOf(name);
      if (ino !== undefined && this.slots.some((s) => s?.ino === ino && s.mount !== mount && s.dirty)) continue;
      const a = await outcome(() => this.ref.stat(name));
      const b = await outcome(() => t.stat(name));
      this.agree(`stat ${name} through mount ${mount}`, a, b);
      if (a.ok && b.ok) this.same(`stat ${name} through mount ${mount}`, { size: a.value.size, nlink: a.value.nlink }, { size: b.value.size, nlink: b.value.nlink });
      if (a.ok && name === touched) this.same(`the bytes of ${name} through mount ${mount}`, await this.ref.readFile(name), await t.readFile(name));
    }
  }

  /** Closes whatever a run left open, on both sides. */
  async closeAll(): Promise<void> {
    for (const [i, s] of this.slots.entries()) {
      if (!s) continue;
      this.slots[i] = undefined;
      await s.ref.close().catch(() => undefined);
      await s.real.close().catch(() => undefined);
    }
  }
}
