// `dfs put`, `dfs get` and `dfs cat`: files and (with -r) trees in and out, `-` for stdin
// and stdout, in constant memory.
//
// Nothing half-done is ever seen or left: a put writes a hidden temporary file beside its
// target and renames it into place once the master has every block, so a reader sees the
// old file or the whole new one; a get writes a hidden partial file and renames it at the
// end. On a failure, a refusal (ENOSPC) or Ctrl-C, the temporary file is removed.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { DfsClient } from '../client/client.js';
import { normalizePath } from '../client/client.js';
import type { Attr } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action, UsageError } from './errors.js';
import { undoneIfInterrupted } from './interrupt.js';
import { progress } from './progress.js';

const CHUNK = 4 * 1024 * 1024;
const STDIO = '-';

const missing = (err: unknown): boolean => err instanceof DfsError && err.code === 'ENOENT';

async function remoteAttr(c: DfsClient, p: string): Promise<Attr | undefined> {
  try {
    return await c.getattr(p, true);
  } catch (err) {
    if (missing(err)) return undefined;
    throw err;
  }
}

/**
 * Where a copy named `name` goes for a destination as cp(1) reads it: into it when it is a
 * directory; a destination ending in `/` must be one.
 */
async function remoteTarget(c: DfsClient, dest: string, name: string): Promise<string> {
  const abs = normalizePath(dest);
  const a = await remoteAttr(c, abs);
  if (dest.endsWith('/')) {
    if (!a) throw new DfsError('ENOENT', `no such directory: ${dest}`);
    if (a.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${dest}`);
  }
  return a?.type === 'dir' ? path.posix.join(abs, name) : abs;
}

function localTarget(dest: string, name: string): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dest);
  } catch {
    st = undefined;
  }
  if (dest.endsWith('/') && !st?.isDirectory()) {
    throw new DfsError(st ? 'ENOTDIR' : 'ENOENT', `${st ? 'not a directory' : 'no such directory'}: ${dest}`);
  }
  return st?.isDirectory() ? path.join(dest, name) : dest;
}

/** A hidden name beside `target` (`paths`: path.posix for a dfs path, path for a local one). */
const hiddenTemp = (target: string, what: string, paths: path.PlatformPath): string =>
  paths.join(paths.dirname(target), `.${paths.basename(target)}.${what}-${randomBytes(4).toString('hex')}`);

/**
 * Uploads `input` (a local file's stream, or stdin) to `target` by way of a temporary file in
 * the same directory. Returns the bytes written.
 */
async function uploadStream(c: DfsClient, input: Readable, target: string, mode: number, size?: number): Promise<number> {
  const tmp = hiddenTemp(target, 'dfs-put', path.posix);
  let pos = 0;
  return undoneIfInterrupted(
    async () => {
      const h = await c.create(tmp, mode, { read: false, write: true, exclusive: true });
      const bar = progress(`put ${path.posix.basename(target)}`, size ?? 0);
      try {
        for await (const chunk of input) {
          const buf = chunk as Buffer;
          await h.write(pos, buf);
          pos += buf.length;
          bar.add(buf.length);
        }
        await h.close();
      } finally {
        bar.done();
      }
      await c.rename(tmp, target);
      return pos;
    },
    // the partial upload is no one's lost work: past the trash
    () =>
      c.remove(tmp, { skipTrash: true }).then(
        () => undefined,
        () => undefined,
      ),
  );
}

export async function uploadFile(c: DfsClient, local: string, target: string): Promise<number> {
  if (local === STDIO) return uploadStream(c, process.stdin, target, 0o644);
  const st = fs.statSync(local);
  return uploadStream(c, fs.createReadStream(local, { highWaterMark: CHUNK }), target, st.mode & 0o777, st.size);
}

/** `put -r`: a local tree as `remoteDir` (made if missing), files, directories and symlinks. */
async function uploadTree(c: DfsClient, localDir: string, remoteDir: string): Promise<void> {
  const a = await remoteAttr(c, remoteDir);
  if (!a) await c.mkdir(remoteDir, fs.statSync(localDir).mode & 0o7777);
  else if (a.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${remoteDir}`);
  for (const e of fs.readdirSync(localDir, { withFileTypes: true })) {
    const from = path.join(localDir, e.name);
    const to = path.posix.join(remoteDir, e.name);
    if (e.isDirectory()) await uploadTree(c, from, to);
    else if (e.isFile()) await uploadFile(c, from, to);
    else if (e.isSymbolicLink()) {
      if (await remoteAttr(c, to)) await c.remove(to);
      await c.symlink(fs.readlinkSync(from), to);
    } else process.stderr.write(`dfs: skipping ${from}: not a file, directory or symlink\n`);
  }
}

async function download(c: DfsClient, remote: string, out: Writable, label?: string): Promise<number> {
  const h = await c.openFile(remote, { read: true, write: false });
  const bar = progress(`get ${label ?? path.posix.basename(remote)}`, h.size);
  let pos = 0;
  try {
    async function* chunks(): AsyncGenerator<Buffer> {
      for (;;) {
        const buf = await h.read(pos, CHUNK);
        if (buf.length === 0) return;
        pos += buf.length;
        bar.add(buf.length);
        yield buf;
      }
    }
    await pipeline(chunks(), out);
  } finally {
    bar.done();
    await h.close();
  }
  return pos;
}

/** A remote file to a local one, by way of a hidden partial file renamed at the end. */
async function downloadFile(c: DfsClient, remote: string, local: string, a: Attr): Promise<void> {
  if (local === STDIO) {
    await download(c, remote, keepOpen(process.stdout));
    return;
  }
  const tmp = hiddenTemp(local, 'dfs-get', path);
  await undoneIfInterrupted(
    async () => {
      await download(c, remote, fs.createWriteStream(tmp, { mode: a.mode & 0o777, flags: 'wx' }));
      fs.renameSync(tmp, local);
    },
    () => fs.rmSync(tmp, { force: true }),
  );
}

/** `get -r`: a remote tree as `localDir` (made if missing). */
async function downloadTree(c: DfsClient, remoteDir: string, localDir: string): Promise<void> {
  fs.mkdirSync(localDir, { recursive: true });
  for (const e of await c.readdir(remoteDir)) {
    const from = path.posix.join(remoteDir, e.name);
    const to = path.join(localDir, e.name);
    if (e.attr.type === 'dir') await downloadTree(c, from, to);
    else if (e.attr.type === 'file') await downloadFile(c, from, to, e.attr);
    else if (e.attr.type === 'symlink') {
      fs.rmSync(to, { force: true });
      fs.symlinkSync(await c.readlink(from), to);
    } else {
      // a FIFO, socket or device has no bytes in dfs to fetch, and Node makes no such nodes
      process.stderr.write(`dfs get: skipped ${from}: a ${e.attr.type}, not a regular file\n`);
    }
  }
}

/** stdout must stay open after one file so `cat a b` can write the next. */
function keepOpen(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (out.write(chunk)) cb();
      else out.once('drain', () => cb());
    },
  });
}

function localStat(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch {
    throw new DfsError('ENOENT', `no such local file: ${p}`);
  }
}

export function registerTransferCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('put')
    .description('upload local files (a temporary name until complete, so no one sees half a file); with -r, directories')
    .argument('<local...>', 'local files ("-": stdin), then the remote file or directory')
    .option('-r, --recursive', 'upload directories and everything in them')
    .action(
      action(async (args: string[], o: { recursive?: boolean }) => {
        if (args.length < 2) throw new UsageError('give a local file and a remote destination: dfs put LOCAL... REMOTE');
        const dest = args[args.length - 1];
        const sources = args.slice(0, -1);
        if (sources.includes(STDIO) && sources.length > 1) throw new UsageError('stdin ("-") can only be uploaded alone');
        await withClient(globals(), async (c) => {
          if (sources.length > 1) {
            const a = await remoteAttr(c, dest);
            if (a?.type !== 'dir') throw new DfsError(a ? 'ENOTDIR' : 'ENOENT', `copying several files needs a directory: ${dest}`);
          }
          for (const src of sources) {
            if (src === STDIO) {
              if ((await remoteAttr(c, dest))?.type === 'dir' || dest.endsWith('/')) throw new UsageError('stdin needs a remote file name, not a directory');
              await uploadFile(c, STDIO, normalizePath(dest));
              continue;
            }
            const st = localStat(src);
            const target = await remoteTarget(c, dest, path.basename(path.resolve(src)));
            if (st.isDirectory()) {
              if (!o.recursive) throw new DfsError('EISDIR', `is a directory (use -r): ${src}`);
              await uploadTree(c, src, target);
            } else await uploadFile(c, src, target);
          }
        });
      }),
    );

  program
    .command('get')
    .description('download remote files (a hidden partial file until complete); with -r, directories')
    .argument('<remote...>', 'remote files, then the local file or directory ("-": stdout)')
    .option('-r, --recursive', 'download directories and everything in them')
    .action(
      action(async (args: string[], o: { recursive?: boolean }) => {
        if (args.length < 2) throw new UsageError('give a remote file and a local destination: dfs get REMOTE... LOCAL');
        const dest = args[args.length - 1];
        const sources = args.slice(0, -1);
        if (sources.length > 1 && dest !== STDIO && !fs.statSync(dest, { throwIfNoEntry: false })?.isDirectory()) {
          throw new DfsError('ENOTDIR', `copying several files needs a directory: ${dest}`);
        }
        await withClient(globals(), async (c) => {
          for (const src of sources) {
            const a = await c.getattr(src, true);
            const name = path.posix.basename(normalizePath(src)) || 'root';
            if (a.type === 'dir') {
              if (!o.recursive) throw new DfsError('EISDIR', `is a directory (use -r): ${src}`);
              if (dest === STDIO) throw new UsageError('a directory cannot go to stdout');
              await downloadTree(c, normalizePath(src), localTarget(dest, name));
            } else await downloadFile(c, src, dest === STDIO ? STDIO : localTarget(dest, name), a);
          }
        });
      }),
    );

  program
    .command('cat')
    .description('print files to stdout')
    .argument('<paths...>')
    .action(
      action(async (paths: string[]) => {
        await withClient(globals(), async (c) => {
          for (const p of paths) {
            const a = await c.getattr(p, true);
            if (a.type === 'dir') throw new DfsError('EISDIR', `is a directory: ${p}`);
            await download(c, p, keepOpen(process.stdout));
          }
        });
      }),
    );
}
