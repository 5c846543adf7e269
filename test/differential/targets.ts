// The file systems an exerciser run compares: a local directory (the reference, and a dfs
// mount, which is a local directory too) and the client library itself. Each answers the
// same small set of calls; a failure is its errno name, which is compared like a result.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DfsClient } from '../../src/client/client.js';

export interface OpenHow {
  access: 'r' | 'w' | 'rw';
  create?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
  append?: boolean;
}

export interface Stat {
  size: number;
  nlink: number;
  /** Compared only within one target (the same file under two names), never across. */
  ino: number;
}

export interface Handle {
  pwrite(pos: number, data: Buffer): Promise<number>;
  pread(pos: number, length: number): Promise<Buffer>;
  ftruncate(size: number): Promise<void>;
  fsync(): Promise<void>;
  fstat(): Promise<Stat>;
  close(): Promise<void>;
}

export interface Target {
  readonly name: string;
  open(p: string, how: OpenHow): Promise<Handle>;
  stat(p: string): Promise<Stat>;
  truncate(p: string, size: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  unlink(p: string): Promise<void>;
  /** A fresh open, read to the end, close. */
  readFile(p: string): Promise<Buffer>;
  /** Writes and reads through a shared mapping (msync'd, unmapped and closed); only where the kernel serves the file. */
  readonly mmap?: {
    write(p: string, pos: number, data: Buffer): Promise<void>;
    read(p: string, pos: number, length: number): Promise<Buffer>;
  };
}

function openFlags(how: OpenHow): number {
  const c = fs.constants;
  let f = how.access === 'r' ? c.O_RDONLY : how.access === 'w' ? c.O_WRONLY : c.O_RDWR;
  if (how.create) f |= c.O_CREAT;
  if (how.exclusive) f |= c.O_EXCL;
  if (how.truncate) f |= c.O_TRUNC;
  if (how.append) f |= c.O_APPEND;
  return f;
}

const statOf = (s: fs.Stats): Stat => ({ size: s.size, nlink: s.nlink, ino: s.ino });

// One mmap step per process: Python's mmap is the plainest way to map a file from a test.
const MMAP_SCRIPT = `
import mmap, os, sys
op, p, pos, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fd = os.open(p, os.O_RDWR if op == 'w' else os.O_RDONLY)
try:
    start = pos - pos % mmap.ALLOCATIONGRANULARITY
    m = mmap.mmap(fd, pos + n - start, offset=start, access=mmap.ACCESS_WRITE if op == 'w' else mmap.ACCESS_READ)
    if op == 'w':
        m[pos - start:pos - start + n] = sys.stdin.buffer.read(n)
        m.flush()
    else:
        sys.stdout.buffer.write(m[pos - start:pos - start + n])
    m.close()
finally:
    os.close(fd)
`;

function python(args: string[], input?: Buffer): Buffer {
  const r = spawnSync('python3', ['-c', MMAP_SCRIPT, ...args], { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`mmap helper failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/**
 * A directory of the local file system through Node's synchronous calls: the test process
 * never serves the mount it touches, so blocking here blocks nobody who must answer.
 */
export class LocalTarget implements Target {
  constructor(
    readonly name: string,
    readonly root: string,
  ) {}

  private at(p: string): string {
    return path.join(this.root, p);
  }

  async open(p: string, how: OpenHow): Promise<Handle> {
    const fd = fs.openSync(this.at(p), openFlags(how), 0o644);
    return {
      pwrite: async (pos, data) => fs.writeSync(fd, data, 0, data.length, pos),
      pread: async (pos, length) => {
        const buf = Buffer.alloc(length);
        let got = 0;
        while (got < length) {
          const n = fs.readSync(fd, buf, got, length - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      },
      ftruncate: async (size) => fs.ftruncateSync(fd, size),
      fsync: async () => fs.fsyncSync(fd),
      fstat: async () => statOf(fs.fstatSync(fd)),
      close: async () => fs.closeSync(fd),
    };
  }

  async stat(p: string): Promise<Stat> {
    return statOf(fs.statSync(this.at(p)));
  }

  async truncate(p: string, size: number): Promise<void> {
    fs.truncateSync(this.at(p), size);
  }

  async rename(from: string, to: string): Promise<void> {
    fs.renameSync(this.at(from), this.at(to));
  }

  async link(from: string, to: string): Promise<void> {
    fs.linkSync(this.at(from), this.at(to));
  }

  async unlink(p: string): Promise<void> {
    fs.unlinkSync(this.at(p));
  }

  async readFile(p: string): Promise<Buffer> {
    return fs.readFileSync(this.at(p));
  }

  readonly mmap = {
    write: async (p: string, pos: number, data: Buffer): Promise<void> => {
      python(['w', this.at(p), String(pos), String(data.length)], data);
    },
    read: async (p: string, pos: number, length: number): Promise<Buffer> => python(['r', this.at(p), String(pos), String(length)]),
  };
}

/** The client library, as the CLI uses it: no kernel between the calls and dfs. */
export class ClientTarget implements Target {
  readonly mmap = undefined;
  constructor(
    readonly name: string,
    private readonly client: DfsClient,
    private readonly root: string,
  ) {}

  private at(p: string): string {
    return `${this.root}/${p}`;
  }

  async open(p: string, how: OpenHow): Promise<Handle> {
    const flags = { read: how.access !== 'w', write: how.access !== 'r', truncate: how.truncate, append: how.append };
    // create always hands back a handle that may write; the kernel would hold it to the asked
    // access, so this does
    const h = how.create ? await this.client.create(this.at(p), 0o644, { ...flags, exclusive: how.exclusive }) : await this.client.openFile(this.at(p), flags);
    const may = (what: 'read' | 'write', code = 'EBADF'): void => {
      if (!flags[what]) throw Object.assign(new Error(`${code}: not open for ${what}ing`), { code });
    };
    return {
      pwrite: async (pos, data) => (may('write'), h.write(pos, data)),
      pread: async (pos, length) => (may('read'), h.read(pos, length)),
      ftruncate: async (size) => (may('write', 'EINVAL'), h.truncate(size)),
      fsync: () => h.fsync(),
      fstat: async () => statOf2(h.getattr()),
      close: () => h.close(),
    };
  }

  async stat(p: string): Promise<Stat> {
    return statOf2(await this.client.getattr(this.at(p), true));
  }

  truncate(p: string, size: number): Promise<void> {
    return this.client.truncate(this.at(p), size);
  }

  rename(from: string, to: string): Promise<void> {
    return this.client.rename(this.at(from), this.at(to));
  }

  async link(from: string, to: string): Promise<void> {
    await this.client.link(this.at(from), this.at(to));
  }

  unlink(p: string): Promise<void> {
    return this.client.unlink(this.at(p));
  }

  async readFile(p: string): Promise<Buffer> {
    const h = await this.client.openFile(this.at(p), { read: true, write: false });
    try {
      return await h.read(0, h.size);
    } finally {
      await h.close();
    }
  }
}

function statOf2(a: { size: number; nlink: number; ino: number }): Stat {
  return { size: a.size, nlink: a.nlink, ino: a.ino };
}
