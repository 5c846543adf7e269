// Snapshots of the master's whole state, so start-up loads one file and replays only the
// journal written after it. The file is a record file (see record-file.ts) of frames:
//
//   {t:'header', nextSegment, blockSize, nextIno, time}     first; journal replay starts at nextSegment
//   {t:'users'|'groups'|'sessions', list}
//   {t:'blocks', list: [id, size, refs, nodes, suspect?][]} replica locations (suspect: copies a client found bad)
//   {t:'garbage', list: [id, nodes][]}                      unreferenced blocks still on nodes
//   {t:'requests', list: [key, time][]}                     requests done lately (retries are answered as done)
//   {t:'draining', list: nodeId[]}                          storage nodes being emptied (only when there are any)
//   {t:'trash', dir, list: TrashEntry[]}                    the trash directory's inode and its items (v2)
//   {t:'inodes', list}                                      inodes, small block lists and entries inline
//   {t:'entries', ino, list}  {t:'fileblocks', ino, list}    the rest of large directories and files
//   {t:'end', inodes, blocks, garbage}                      last; counts that prove the file whole
//
// A file's slot is [id, size], or [id, size, [[id, size, pages], ...]] when overlays lie over
// its block (block-overlays.ts).
//
// Frames stay around a megabyte, so neither writing nor loading builds one giant string, and
// a million files cost a few hundred frames. A loader takes frames in any order but these
// rules: header first, end last, an inode before its entries/fileblocks frames.
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { FileType } from '../protocol/types.js';
import type { BlockInfo } from './block-map.js';
import type { BlockRef, Inode } from './namespace.js';
import { encodeHeader, FRAME_HEADER_BYTES, FormatError, scanFrames, SNAPSHOT_FORMAT } from './record-file.js';
import type { MasterState } from './state.js';
import type { TrashEntry } from './trash-bin.js';
import type { Group, Session, User } from './users.js';

const SNAPSHOT_RE = /^snapshot-(\d{10})\.dfs$/;

/** The snapshot that holds the state before journal segment `seq`. */
export function snapshotFile(dir: string, seq: number): string {
  return path.join(dir, `snapshot-${String(seq).padStart(10, '0')}.dfs`);
}

/** Snapshot numbers present in `dir`, ascending. */
export function listSnapshots(dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = SNAPSHOT_RE.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** Lists longer than this go in their own frames. */
const INLINE_ITEMS = 1024;
/** A frame is written once its JSON reaches about this size. */
const FRAME_TARGET = 1024 * 1024;

interface SnapInode {
  ino: number;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  atime: number;
  mtime: number;
  ctime: number;
  replicas: number;
  parent?: number;
  xattrs?: Record<string, string>;
  target?: string;
  key?: string;
  /** Devices only; snapshots from before special files have none. */
  rdev?: number;
  entries?: [string, number][];
  blocks?: (SlotFrame | null)[];
}

type Frame =
  | { t: 'header'; nextSegment: number; blockSize: number; nextIno: number; time: number }
  | { t: 'users'; list: User[] }
  | { t: 'groups'; list: Group[] }
  | { t: 'sessions'; list: Session[] }
  | { t: 'inodes'; list: SnapInode[] }
  | { t: 'entries'; ino: number; list: [string, number][] }
  | { t: 'fileblocks'; ino: number; list: (SlotFrame | null)[] }
  | { t: 'blocks'; list: [string, number, number, string[], string[]?][] }
  | { t: 'garbage'; list: [string, string[]][] }
  | { t: 'requests'; list: [string, number][] }
  | { t: 'draining'; list: string[] }
  | { t: 'trash'; dir: number; list: TrashEntry[] }
  | { t: 'end'; inodes: number; blocks: number; garbage: number; trash?: number };

/** Buffers frames and writes them to a file descriptor in large pieces. */
class FrameWriter {
  private readonly buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private used = 0;
  private pos = 0;

  constructor(private readonly fd: number) {}

  /** One frame from JSON text already built. */
  frame(json: string): void {
    const body = Buffer.from(json, 'utf8');
    const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    head.writeUInt32BE(body.length, 0);
    head.writeUInt32BE(crc32(body), 4);
    this.put(head);
    this.put(body);
  }

  raw(b: Buffer): void {
    this.put(b);
  }

  private put(b: Buffer): void {
    if (this.used + b.length > this.buf.length) this.drain();
    if (b.length > this.buf.length) {
      this.write(b);
      return;
    }
    b.copy(this.buf, this.used);
    this.used += b.length;
  }

  drain(): void {
    if (this.used === 0) return;
    this.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private write(b: Buffer): void {
    let off = 0;
    while (off < b.length) {
      const n = fs.writeSync(this.fd, b, off, b.length - off, this.pos);
      off += n;
      this.pos += n;
    }
  }
}

/** Collects JSON items of one kind and emits them as frames of about FRAME_TARGET bytes. */
class ListFrames {
  private items: string[] = [];
  private bytes = 0;

  constructor(
    private readonly out: FrameWriter,
    private readonly prefix: string,
  ) {}

  add(json: string): void {
    this.items.push(json);
    this.bytes += json.length + 1;
    if (this.bytes >= FRAME_TARGET) this.flush();
  }

  flush(): void {
    if (this.items.length === 0) return;
    this.out.frame(`${this.prefix}[${this.items.join(',')}]}`);
    this.items = [];
    this.bytes = 0;
  }
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** A slot as a snapshot keeps it: [id, size], and its overlays as [id, size, pages] when it has some. */
type SlotFrame = [string, number] | [string, number, [string, number, number[]][]];
const blockPair = (b: BlockRef | null): SlotFrame | null => {
  if (!b) return null;
  return b.over?.length ? [b.id, b.size, b.over.map((o) => [o.id, o.size, o.pages])] : [b.id, b.size];
};

/**
 * Writes the whole state to `fd` synchronously, so the snapshot is exactly the state between
 * two journal records (the caller rotates the journal in the same tick).
 */
export function writeSnapshot(state: MasterState, fd: number, nextSegment: number, now = Date.now()): void {
  const out = new FrameWriter(fd);
  out.raw(encodeHeader(SNAPSHOT_FORMAT));
  const ns = state.ns;
  const header: Frame = { t: 'header', nextSegment, blockSize: state.blockSize, nextIno: ns.nextIno, time: now };
  out.frame(JSON.stringify(header));
  const users = state.users;
  out.frame(JSON.stringify({ t: 'users', list: [...users.users.values()] } satisfies Frame));
  out.frame(JSON.stringify({ t: 'groups', list: [...users.groups.values()] } satisfies Frame));
  const sessions = new ListFrames(out, '{"t":"sessions","list":');
  for (const s of users.sessions.values()) if (s.expires > now) sessions.add(JSON.stringify(s));
  sessions.flush();

  // blocks before inodes, so a loader can share one string per block id between the two
  const blocks = new ListFrames(out, '{"t":"blocks","list":');
  for (const b of state.blocks.blocks.values()) {
    blocks.add(JSON.stringify(b.suspect?.size ? [b.id, b.size, b.refs, [...b.nodes], [...b.suspect]] : [b.id, b.size, b.refs, [...b.nodes]]));
  }
  blocks.flush();
  const garbage = new ListFrames(out, '{"t":"garbage","list":');
  for (const [id, nodes] of state.blocks.garbage) garbage.add(JSON.stringify([id, [...nodes]]));
  garbage.flush();
  const requests = new ListFrames(out, '{"t":"requests","list":');
  for (const entry of state.requests) requests.add(JSON.stringify(entry));
  requests.flush();
  if (state.draining.size > 0) out.frame(JSON.stringify({ t: 'draining', list: [...state.draining] }));
  const bin = state.trash;
  if (bin.dirIno !== undefined) {
    // a frame of its own even when empty: it says which inode the trash directory is
    const prefix = `{"t":"trash","dir":${bin.dirIno},"list":`;
    const items = new ListFrames(out, prefix);
    for (const e of bin.entries.values()) items.add(JSON.stringify(e));
    if (bin.entries.size === 0) out.frame(`${prefix}[]}`);
    items.flush();
  }
  const inodes = new ListFrames(out, '{"t":"inodes","list":');
  const large: Inode[] = [];
  for (const n of ns.inodes.values()) {
    const s: SnapInode = {
      ino: n.ino,
      type: n.type,
      mode: n.mode,
      uid: n.uid,
      gid: n.gid,
      nlink: n.nlink,
      size: n.size,
      atime: n.atime,
      mtime: n.mtime,
      ctime: n.ctime,
      replicas: n.replicas,
    };
    if (n.parent !== undefined) s.parent = n.parent;
    if (n.target !== undefined) s.target = n.target;
    if (n.key !== undefined) s.key = n.key;
    if (n.xattrs !== undefined) s.xattrs = n.xattrs;
    if (n.rdev !== undefined) s.rdev = n.rdev;
    if (n.entries) {
      if (n.entries.size <= INLINE_ITEMS) s.entries = [...n.entries];
      else {
        s.entries = [];
        large.push(n);
      }
    }
    if (n.blocks) {
      if (n.blocks.length <= INLINE_ITEMS) s.blocks = n.blocks.map(blockPair);
      else {
        s.blocks = [];
        large.push(n);
      }
    }
    inodes.add(JSON.stringify(s));
  }
  inodes.flush();
  for (const n of large) {
    if (n.entries) {
      for (const part of chunks([...n.entries], 16 * INLINE_ITEMS)) out.frame(JSON.stringify({ t: 'entries', ino: n.ino, list: part } satisfies Frame));
    } else {
      for (const part of chunks(n.blocks!, 16 * INLINE_ITEMS)) {
        out.frame(JSON.stringify({ t: 'fileblocks', ino: n.ino, list: part.map(blockPair) } satisfies Frame));
      }
    }
  }

  const end: Frame = {
    t: 'end',
    inodes: ns.inodes.size,
    blocks: state.blocks.blocks.size,
    garbage: state.blocks.garbage.size,
    trash: bin.entries.size,
  };
  out.frame(JSON.stringify(end));
  out.drain();
}

/** Fills an empty state from a snapshot file; returns the journal segment replay starts at. */
export function loadSnapshot(file: string, state: MasterState): { nextSegment: number; time: number } {
  const ns = state.ns;
  let header: Extract<Frame, { t: 'header' }> | undefined;
  let end: Extract<Frame, { t: 'end' }> | undefined;
  const need = (ino: number): Inode => {
    const n = ns.inodes.get(ino);
    if (!n) throw new FormatError(file, `frame names inode ${ino}, which it has not defined`);
    return n;
  };
  const node = (id: string): string => state.blocks.internNode(id);
  // a block id already in the map is shared, not stored twice
  const shared = (id: string): string => state.blocks.get(id)?.id ?? id;
  const blockRef = (b: SlotFrame | null): BlockRef | null => {
    if (!b) return null;
    const ref: BlockRef = { id: shared(b[0]), size: b[1] };
    if (b.length === 3) ref.over = b[2].map(([id, size, pages]) => ({ id: shared(id), size, pages }));
    return ref;
  };
  const scan = scanFrames(file, SNAPSHOT_FORMAT, (value) => {
    const f = value as Frame;
    if (end) throw new FormatError(file, 'frames after the end frame');
    if (!header && f.t !== 'header') throw new FormatError(file, 'does not start with a header frame');
    switch (f.t) {
      case 'header':
        if (header) throw new FormatError(file, 'two header frames');
        header = f;
        state.blockSize = f.blockSize;
        ns.nextIno = f.nextIno;
        break;
      case 'users':
        for (const u of f.list) state.users.users.set(u.name, u);
        break;
      case 'groups':
        for (const g of f.list) state.users.groups.set(g.name, g);
        break;
      case 'sessions':
        for (const s of f.list) state.users.sessions.set(s.hash, s);
        break;
      case 'inodes':
        // the parsed object becomes the inode (one allocation, not two: this is most of the heap)
        for (const s of f.list) {
          const n = s as unknown as Inode;
          if (s.entries) n.entries = new Map(s.entries);
          if (s.blocks) n.blocks = s.blocks.map(blockRef);
          ns.inodes.set(n.ino, n);
        }
        break;
      case 'entries': {
        const d = need(f.ino);
        if (!d.entries) throw new FormatError(file, `entries for inode ${f.ino}, which is not a directory`);
        for (const [name, ino] of f.list) d.entries.set(name, ino);
        break;
      }
      case 'fileblocks': {
        const n = need(f.ino);
        if (!n.blocks) throw new FormatError(file, `blocks for inode ${f.ino}, which is not a file`);
        for (const b of f.list) n.blocks.push(blockRef(b));
        break;
      }
      case 'blocks':
        for (const [id, size, refs, nodes, suspect] of f.list) {
          const info: BlockInfo = { id, size, refs, nodes: new Set(nodes.map(node)) };
          if (suspect?.length) info.suspect = new Set(suspect.map(node));
          state.blocks.blocks.set(id, info);
        }
        break;
      case 'garbage':
        for (const [id, nodes] of f.list) state.blocks.garbage.set(id, new Set(nodes.map(node)));
        break;
      case 'requests':
        for (const [key, time] of f.list) state.requests.set(key, time);
        break;
      case 'draining':
        for (const id of f.list) state.draining.add(id);
        break;
      case 'trash':
        state.trash.dirIno = f.dir;
        for (const e of f.list) state.trash.keep(e);
        break;
      case 'end':
        end = f;
        break;
      default:
        throw new FormatError(file, `unknown frame type ${String((f as { t?: unknown }).t)}`);
    }
  });
  if (!header || !end || scan.goodEnd !== scan.size) {
    throw new FormatError(file, `damaged or incomplete at byte ${scan.goodEnd} of ${scan.size}`);
  }
  if (
    end.inodes !== ns.inodes.size ||
    end.blocks !== state.blocks.blocks.size ||
    end.garbage !== state.blocks.garbage.size ||
    (end.trash !== undefined && end.trash !== state.trash.entries.size)
  ) {
    throw new FormatError(file, "the end frame's counts do not match what the file holds");
  }
  return { nextSegment: header.nextSegment, time: header.time };
}

/** Loads snapshot-<seq> of `dir`, which must say it covers the journal up to segment `seq`. */
export function loadSnapshotAt(dir: string, seq: number, state: MasterState): void {
  const file = snapshotFile(dir, seq);
  const { nextSegment } = loadSnapshot(file, state);
  if (nextSegment !== seq) throw new FormatError(file, `its name says segment ${seq} but it holds ${nextSegment}`);
}
