// The exerciser's steps as fast-check commands: each is generated with its arguments, kept
// only while its precondition holds (so a shrunk sequence stays meaningful), and applied to
// the reference and to one dfs target through World. Offsets and sizes gather around block
// boundaries, where the bugs are.
import fc from 'fast-check';
import { NAMES, outcome, show, SLOTS, type Slot, type World } from './world.js';
import type { OpenHow } from './targets.js';

type Cmd = fc.AsyncCommand<World, World>;

/** Bytes of a step, from its seed: the same on both sides and in a replay. */
function bytesOf(seed: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const hows = (h: OpenHow): string => [h.access, h.create && 'creat', h.exclusive && 'excl', h.truncate && 'trunc', h.append && 'append'].filter(Boolean).join('|');

abstract class Step implements Cmd {
  abstract check(w: Readonly<World>): boolean;
  abstract apply(w: World): Promise<{ mount: number; touched?: string }>;
  abstract toString(): string;
  async run(w: World): Promise<void> {
    w.begin(String(this));
    const { mount, touched } = await this.apply(w);
    await w.check(mount, touched);
  }
}

abstract class SlotStep extends Step {
  constructor(readonly slot: number) {
    super();
  }
  protected s(w: Readonly<World>): Slot | undefined {
    return w.slots[this.slot];
  }
}

class Open extends Step {
  constructor(
    readonly slot: number,
    readonly mount: number,
    readonly name: string,
    readonly how: OpenHow,
  ) {
    super();
  }
  check(w: Readonly<World>): boolean {
    return w.slots[this.slot] === undefined && this.mount < w.mounts.length;
  }
  async apply(w: World): Promise<{ mount: number; touched?: string }> {
    const before = w.inoOf(this.name);
    await w.syncOthers(this.mount, before);
    const a = await outcome(() => w.ref.open(this.name, this.how));
    const b = await outcome(() => w.mounts[this.mount].open(this.name, this.how));
    w.trace.push(`${String(this)}: ${show(b)}`);
    if (a.ok !== b.ok) {
      if (a.ok) await a.value.close();
      if (b.ok) await b.value.close();
    }
    w.agree(String(this), a, b);
    if (a.ok && b.ok) {
      const ino = (await a.value.fstat()).ino;
      w.slots[this.slot] = { mount: this.mount, how: this.how, ref: a.value, real: b.value, ino, dirty: false, stale: false };
      if (this.how.truncate) w.changed(this.mount, ino); // O_RDONLY|O_TRUNC empties it too, as on Linux
    }
    return { mount: this.mount, touched: this.name };
  }
  toString(): string {
    return `open slot=${this.slot} mount=${this.mount} ${this.name} ${hows(this.how)}`;
  }
}

class Close extends SlotStep {
  check(w: Readonly<World>): boolean {
    return this.s(w) !== undefined;
  }
  async apply(w: World): Promise<{ mount: number }> {
    const s = this.s(w)!;
    w.slots[this.slot] = undefined;
    const a = await outcome(() => s.ref.close());
    const b = await outcome(() => s.real.close());
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    return { mount: s.mount };
  }
  toString(): string {
    return `close slot=${this.slot}`;
  }
}

class Write extends SlotStep {
  constructor(
    slot: number,
    readonly pos: number,
    readonly length: number,
    readonly seed: number,
  ) {
    super(slot);
  }
  check(w: Readonly<World>): boolean {
    const s = this.s(w);
    return s !== undefined && !(s.stale && s.how.append);
  }
  async apply(w: World): Promise<{ mount: number }> {
    const s = this.s(w)!;
    await w.syncOthers(s.mount, s.ino);
    const data = bytesOf(this.seed, this.length);
    const a = await outcome(() => s.ref.pwrite(this.pos, data));
    const b = await outcome(() => s.real.pwrite(this.pos, data));
    w.trace.push(`${String(this)}: ${b.ok ? b.value : b.code}`);
    w.agree(String(this), a, b);
    if (a.ok && b.ok) {
      w.same(`${String(this)}: bytes written`, a.value, b.value);
      s.dirty = true;
      w.changed(s.mount, s.ino);
    }
    return { mount: s.mount };
  }
  toString(): string {
    return `pwrite slot=${this.slot} at=${this.pos} length=${this.length} seed=${this.seed}`;
  }
}

class Read extends SlotStep {
  constructor(
    slot: number,
    readonly pos: number,
    readonly length: number,
  ) {
    super(slot);
  }
  check(w: Readonly<World>): boolean {
    const s = this.s(w);
    return s !== undefined && !s.stale;
  }
  async apply(w: World): Promise<{ mount: number }> {
    const s = this.s(w)!;
    await w.syncOthers(s.mount, s.ino);
    const a = await outcome(() => s.ref.pread(this.pos, this.length));
    const b = await outcome(() => s.real.pread(this.pos, this.length));
    w.trace.push(`${String(this)}: ${b.ok ? `${b.value.length} bytes` : b.code}`);
    w.agree(String(this), a, b);
    if (a.ok && b.ok) w.same(String(this), a.value, b.value);
    return { mount: s.mount };
  }
  toString(): string {
    return `pread slot=${this.slot} at=${this.pos} length=${this.length}`;
  }
}

class Ftruncate extends SlotStep {
  constructor(
    slot: number,
    readonly size: number,
  ) {
    super(slot);
  }
  check(w: Readonly<World>): boolean {
    return this.s(w) !== undefined;
  }
  async apply(w: World): Promise<{ mount: number }> {
    const s = this.s(w)!;
    await w.syncOthers(s.mount, s.ino);
    const a = await outcome(() => s.ref.ftruncate(this.size));
    const b = await outcome(() => s.real.ftruncate(this.size));
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    if (b.ok) w.changed(s.mount, s.ino);
    return { mount: s.mount };
  }
  toString(): string {
    return `ftruncate slot=${this.slot} size=${this.size}`;
  }
}

class Fsync extends SlotStep {
  check(w: Readonly<World>): boolean {
    return this.s(w) !== undefined;
  }
  async apply(w: World): Promise<{ mount: number }> {
    const s = this.s(w)!;
    const a = await outcome(() => s.ref.fsync());
    const b = await outcome(() => s.real.fsync());
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    s.dirty = false;
    return { mount: s.mount };
  }
  toString(): string {
    return `fsync slot=${this.slot}`;
  }
}

class Fstat extends SlotStep {
  check(w: Readonly<World>): boolean {
    const s = this.s(w);
    return s !== undefined && !s.stale;
  }
  async apply(w: World): Promise<{ mount: number }> {
    const s = this.s(w)!;
    await w.syncOthers(s.mount, s.ino);
    const a = await outcome(() => s.ref.fstat());
    const b = await outcome(() => s.real.fstat());
    w.trace.push(`${String(this)}: ${b.ok ? `size ${b.value.size}` : b.code}`);
    w.agree(String(this), a, b);
    if (a.ok && b.ok) w.same(`${String(this)}: size`, a.value.size, b.value.size);
    return { mount: s.mount };
  }
  toString(): string {
    return `fstat slot=${this.slot}`;
  }
}

/** A step by name through one mount. */
abstract class NameStep extends Step {
  constructor(
    readonly mount: number,
    readonly name: string,
  ) {
    super();
  }
  check(w: Readonly<World>): boolean {
    return this.mount < w.mounts.length;
  }
  /** Removing the last name of a file that is open: only where the mount holding it keeps it alive. */
  protected mayRemove(w: Readonly<World>, name: string): boolean {
    const ino = w.inoOf(name);
    if (ino === undefined) return true;
    return !w.openElsewhere(ino, this.mount, !w.options.unlinkOpenSameMount);
  }
}

class Truncate extends NameStep {
  constructor(
    mount: number,
    name: string,
    readonly size: number,
  ) {
    super(mount, name);
  }
  async apply(w: World): Promise<{ mount: number; touched: string }> {
    const ino = w.inoOf(this.name);
    await w.syncOthers(this.mount, ino);
    const a = await outcome(() => w.ref.truncate(this.name, this.size));
    const b = await outcome(() => w.mounts[this.mount].truncate(this.name, this.size));
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    if (b.ok) w.changed(this.mount, ino);
    return { mount: this.mount, touched: this.name };
  }
  toString(): string {
    return `truncate mount=${this.mount} ${this.name} size=${this.size}`;
  }
}

class Rename extends NameStep {
  constructor(
    mount: number,
    name: string,
    readonly to: string,
  ) {
    super(mount, name);
  }
  override check(w: Readonly<World>): boolean {
    if (!super.check(w) || !this.mayRemove(w, this.to) || (this.name === this.to && !w.options.renameToItself)) return false;
    // a file another mount has open keeps its old name there
    const ino = w.inoOf(this.name);
    return w.options.aliases || ino === undefined || !w.openElsewhere(ino, this.mount);
  }
  async apply(w: World): Promise<{ mount: number; touched: string }> {
    const a = await outcome(() => w.ref.rename(this.name, this.to));
    const b = await outcome(() => w.mounts[this.mount].rename(this.name, this.to));
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    return { mount: this.mount, touched: this.to };
  }
  toString(): string {
    return `rename mount=${this.mount} ${this.name} ${this.to}`;
  }
}

class Link extends NameStep {
  constructor(
    mount: number,
    name: string,
    readonly to: string,
  ) {
    super(mount, name);
  }
  override check(w: Readonly<World>): boolean {
    return super.check(w) && w.options.aliases;
  }
  async apply(w: World): Promise<{ mount: number; touched: string }> {
    const a = await outcome(() => w.ref.link(this.name, this.to));
    const b = await outcome(() => w.mounts[this.mount].link(this.name, this.to));
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    return { mount: this.mount, touched: this.to };
  }
  toString(): string {
    return `link mount=${this.mount} ${this.name} ${this.to}`;
  }
}

class Unlink extends NameStep {
  override check(w: Readonly<World>): boolean {
    return super.check(w) && this.mayRemove(w, this.name);
  }
  async apply(w: World): Promise<{ mount: number }> {
    const a = await outcome(() => w.ref.unlink(this.name));
    const b = await outcome(() => w.mounts[this.mount].unlink(this.name));
    w.trace.push(`${String(this)}: ${show(b)}`);
    w.agree(String(this), a, b);
    return { mount: this.mount };
  }
  toString(): string {
    return `unlink mount=${this.mount} ${this.name}`;
  }
}

/** A fresh open and read of the whole file through a mount (checks run after every step anyway). */
class ReadFile extends NameStep {
  async apply(w: World): Promise<{ mount: number; touched: string }> {
    await w.syncOthers(this.mount, w.inoOf(this.name));
    w.trace.push(String(this));
    return { mount: this.mount, touched: this.name };
  }
  toString(): string {
    return `readfile mount=${this.mount} ${this.name}`;
  }
}

class MmapWrite extends NameStep {
  constructor(
    mount: number,
    name: string,
    readonly pos: number,
    readonly length: number,
    readonly seed: number,
  ) {
    super(mount, name);
  }
  override check(w: Readonly<World>): boolean {
    return super.check(w) && w.mounts[this.mount].mmap !== undefined && (w.refSize(this.name) ?? 0) > 0;
  }
  async apply(w: World): Promise<{ mount: number; touched: string }> {
    const ino = w.inoOf(this.name);
    await w.syncOthers(this.mount, ino);
    // within the file: a shared mapping cannot grow it
    const size = w.refSize(this.name)!;
    const pos = this.pos % size;
    const data = bytesOf(this.seed, Math.min(this.length, size - pos));
    await w.ref.mmap!.write(this.name, pos, data);
    await w.mounts[this.mount].mmap!.write(this.name, pos, data);
    w.trace.push(`${String(this)} (at=${pos} length=${data.length})`);
    w.changed(this.mount, ino);
    return { mount: this.mount, touched: this.name };
  }
  toString(): string {
    return `mmapwrite mount=${this.mount} ${this.name} at=${this.pos} length=${this.length} seed=${this.seed}`;
  }
}

class MmapRead extends NameStep {
  constructor(
    mount: number,
    name: string,
    readonly pos: number,
    readonly length: number,
  ) {
    super(mount, name);
  }
  override check(w: Readonly<World>): boolean {
    return super.check(w) && w.mounts[this.mount].mmap !== undefined && (w.refSize(this.name) ?? 0) > 0;
  }
  async apply(w: World): Promise<{ mount: number; touched: string }> {
    await w.syncOthers(this.mount, w.inoOf(this.name));
    const size = w.refSize(this.name)!;
    const pos = this.pos % size;
    const length = Math.min(this.length, size - pos);
    const a = await w.ref.mmap!.read(this.name, pos, length);
    const b = await w.mounts[this.mount].mmap!.read(this.name, pos, length);
    w.trace.push(`${String(this)} (at=${pos} length=${length})`);
    w.same(String(this), a, b);
    return { mount: this.mount, touched: this.name };
  }
  toString(): string {
    return `mmapread mount=${this.mount} ${this.name} at=${this.pos} length=${this.length}`;
  }
}

export interface Shape {
  blockSize: number;
  mounts: number;
  mmap: boolean;
  /** Offsets gather around these boundaries too, and lengths around this size (blocks of several segments). */
  segment?: number;
}

/** Every step the exerciser may take, with arguments drawn around block boundaries. */
export function commandArbitraries(shape: Shape): fc.Arbitrary<Cmd>[] {
  const B = shape.blockSize;
  const slot = fc.integer({ min: 0, max: SLOTS - 1 });
  const mount = fc.integer({ min: 0, max: shape.mounts - 1 });
  const name = fc.constantFrom(...NAMES);
  const seed = fc.integer({ min: 1, max: 0x7fffffff });
  const S = shape.segment;
  const near = (unit: number, count: number): fc.Arbitrary<number> =>
    fc.tuple(fc.integer({ min: 0, max: count }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => Math.max(0, k * unit + d));
  const offset = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 6 * B }) },
    { weight: 3, arbitrary: near(B, 6) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) },
    ...(S ? [{ weight: 3, arbitrary: near(S, (3 * B) / S) }] : []),
  );
  const length = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 64 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: B + 100 }) },
    { weight: 1, arbitrary: fc.integer({ min: B, max: 3 * B }) },
    ...(S ? [{ weight: 3, arbitrary: fc.integer({ min: 1, max: S + 100 }) }] : []),
  );
  const how: fc.Arbitrary<OpenHow> = fc.record({
    access: fc.constantFrom<OpenHow['access']>('rw', 'rw', 'rw', 'r', 'w'),
    create: fc.boolean(),
    exclusive: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
    truncate: fc.constantFrom(false, false, false, false, false, false, false, true),
    append: fc.constantFrom(false, false, false, false, false, true),
  });
  const cmds: fc.Arbitrary<Cmd>[] = [
    fc.tuple(slot, mount, name, how).map(([s, m, n, h]) => new Open(s, m, n, h)),
    fc.tuple(slot, mount, name, how).map(([s, m, n, h]) => new Open(s, m, n, h)),
    slot.map((s) => new Close(s)),
    fc.tuple(slot, offset, length, seed).map(([s, p, l, x]) => new Write(s, p, l, x)),
    fc.tuple(slot, offset, length, seed).map(([s, p, l, x]) => new Write(s, p, l, x)),
    fc.tuple(slot, offset, length, seed).map(([s, p, l, x]) => new Write(s, p, l, x)),
    fc.tuple(slot, offset, length).map(([s, p, l]) => new Read(s, p, l)),
    fc.tuple(slot, offset, length).map(([s, p, l]) => new Read(s, p, l)),
    fc.tuple(slot, offset).map(([s, n]) => new Ftruncate(s, n)),
    fc.tuple(slot, offset).map(([s, n]) => new Ftruncate(s, n)),
    slot.map((s) => new Fsync(s)),
    slot.map((s) => new Fstat(s)),
    fc.tuple(mount, name, offset).map(([m, n, x]) => new Truncate(m, n, x)),
    fc.tuple(mount, name, name).map(([m, a, b]) => new Rename(m, a, b)),
    fc.tuple(mount, name, name).map(([m, a, b]) => new Link(m, a, b)),
    fc.tuple(mount, name).map(([m, n]) => new Unlink(m, n)),
    fc.tuple(mount, name).map(([m, n]) => new ReadFile(m, n)),
  ];
  if (shape.mmap) {
    cmds.push(fc.tuple(mount, name, offset, length, seed).map(([m, n, p, l, x]) => new MmapWrite(m, n, p, l, x)));
    cmds.push(fc.tuple(mount, name, offset, length).map(([m, n, p, l]) => new MmapRead(m, n, p, l)));
  }
  return cmds;
}
