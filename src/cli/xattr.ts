// `dfs xattr list|get|set|rm`: extended attributes without a mount, as getfattr and setfattr
// have them (values in their encodings: xattr-values.ts). The master keeps them by inode with
// Linux's rules (src/master/xattr-service.ts): the path is walked to its inode first
// (DfsClient.reach), following a symlink at the end unless -h, as getfattr does.
import fs from 'node:fs';
import type { Command } from 'commander';
import type { DfsClient } from '../client/client.js';
import { normalizePath } from '../client/client.js';
import type { ByIno } from '../protocol/methods.js';
import { DEFAULTS } from '../defaults.js';
import { DfsError, isErrno, toDfsError } from '../rpc/errors.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action, UsageError } from './errors.js';
import { decodeValue, encodeValue, parseEncoding, type Encoding } from './xattr-values.js';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;

type Verb = 'read' | 'set' | 'remove';

/** The master's refusal, said of the attribute and the path the user named. */
function about(err: unknown, verb: Verb, p: string, name?: string): DfsError {
  const e = toDfsError(err);
  const what = name === undefined ? `the attributes of ${normalizePath(p)}` : `${name} of ${normalizePath(p)}`;
  switch (e.code) {
    case 'ENODATA':
      return new DfsError('ENODATA', `no such attribute: ${what}`);
    case 'EEXIST':
      return new DfsError('EEXIST', `attribute exists: ${what}`);
    case 'E2BIG':
      return tooBig(what);
    case 'ERANGE':
      return new DfsError('ERANGE', `attribute name too long (${Buffer.byteLength(name ?? '')} bytes, at most 255): ${name?.slice(0, 24)}…`);
    case 'EACCES':
      return new DfsError('EACCES', `permission denied: ${verb} ${what}`, { reason: e.reason });
    case 'EPERM':
    case 'ENOSPC':
      return new DfsError(e.code, `${e.detail}: ${what}`);
    default:
      return e;
  }
}

const tooBig = (what: string): DfsError => new DfsError('E2BIG', `attribute value too large (at most ${DEFAULTS.xattrValueMax} bytes): ${what}`);

/** At most `max + 1` bytes of `input`: enough to tell a value too large without reading all of it. */
async function readAtMost(input: AsyncIterable<Buffer | string>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of input) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    chunks.push(b);
    n += b.length;
    if (n > max) break;
  }
  return Buffer.concat(chunks);
}

/** The value to set: the VALUE argument (setfattr's encodings), stdin for `-`, or a local file as it is. */
async function valueOf(value: string | undefined, file: string | undefined): Promise<Buffer> {
  if (value !== undefined && file !== undefined) throw new UsageError('give a VALUE or --file, not both');
  if (value === undefined && file === undefined) throw new UsageError('give a VALUE, - to read it from stdin, or --file FILE');
  const max = DEFAULTS.xattrValueMax;
  if (value === '-') return readAtMost(process.stdin, max);
  if (value !== undefined) return decodeValue(value);
  try {
    return await readAtMost(fs.createReadStream(file!), max);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DfsError('ENOENT', `no such local file: ${file}`);
    throw new DfsError(isErrno(code) ? code : 'EIO', `cannot read local file ${file}`);
  }
}

function flagsOf(o: { create?: boolean; replace?: boolean }): number {
  if (o.create && o.replace) throw new UsageError('give --create or --replace, not both');
  return (o.create ? XATTR_CREATE : 0) | (o.replace ? XATTR_REPLACE : 0);
}

/** Each attribute named with its value; one removed meanwhile is left out. */
async function dump(c: DfsClient, node: ByIno, names: string[], p: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for (const name of names) {
    try {
      out.push([name, await c.getxattr(node, name)]);
    } catch (err) {
      if ((err as DfsError).code !== 'ENODATA') throw about(err, 'read', p, name);
    }
  }
  return out;
}

/** getfattr's order (strcmp's): by the names' bytes. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const NO_DEREFERENCE = ['-h, --no-dereference', "a symbolic link's own attributes, not its target's"] as const;

export function registerXattrCommands(program: Command, globals: () => GlobalOptions): void {
  const xattr = program.command('xattr').description('extended attributes (user.*; trusted.* and security.* for an admin), as getfattr and setfattr: list, get, set, rm');

  xattr
    .command('list')
    .alias('ls')
    .description('the names, sorted, one a line (trusted.* only for an admin); with -d each name="value", as getfattr -d')
    .argument('<path>')
    .option('-d, --values', 'each name="value" (the value encoded as getfattr prints it)')
    .option('-e, --encoding <enc>', 'with -d: the values as text, hex or base64 (default: text when printable, else base64)')
    .option(...NO_DEREFERENCE)
    .action(
      action(async (p: string, o: { values?: boolean; encoding?: string; dereference: boolean }) => {
        const encoding = o.encoding === undefined ? undefined : parseEncoding(o.encoding);
        if (encoding && !o.values) throw new UsageError('--encoding is for the values: give -d too');
        await withClient(globals(), async (c) => {
          const node = await c.reach(p, o.dereference);
          let names: string[];
          try {
            names = (await c.listxattr(node)).sort(byBytes);
          } catch (err) {
            throw about(err, 'read', p);
          }
          if (!o.values) {
            process.stdout.write(names.map((n) => `${n}\n`).join(''));
            return;
          }
          const lines = (await dump(c, node, names, p)).map(([name, v]) => Buffer.concat([Buffer.from(`${name}=`), encodeValue(v, encoding), Buffer.from('\n')]));
          process.stdout.write(Buffer.concat(lines));
        });
      }),
    );

  xattr
    .command('get')
    .description("an attribute's value: its bytes as they are (getfattr --only-values), or with -e encoded and a newline")
    .argument('<path>')
    .argument('<name>', 'e.g. user.comment')
    .option('-e, --encoding <enc>', 'text, hex or base64, as getfattr -e prints them ("…", 0x…, 0s…)')
    .option(...NO_DEREFERENCE)
    .action(
      action(async (p: string, name: string, o: { encoding?: string; dereference: boolean }) => {
        const encoding: Encoding | undefined = o.encoding === undefined ? undefined : parseEncoding(o.encoding);
        await withClient(globals(), async (c) => {
          const node = await c.reach(p, o.dereference);
          let value: Buffer;
          try {
            value = await c.getxattr(node, name);
          } catch (err) {
            throw about(err, 'read', p, name);
          }
          process.stdout.write(encoding ? Buffer.concat([encodeValue(value, encoding), Buffer.from('\n')]) : value);
        });
      }),
    );

  xattr
    .command('set')
    .description('set an attribute (made, or replaced), as setfattr -n NAME -v VALUE')
    .argument('<path>')
    .argument('<name>', 'e.g. user.comment')
    .argument('[value]', 'as setfattr -v takes it: text, "quoted text" (\\ooo escapes), 0x… hex or 0s… base64; - reads the bytes from stdin')
    .option('--file <file>', 'the value: the bytes of a local file')
    .option('--create', 'only make it: fail (EEXIST) if it exists (XATTR_CREATE)')
    .option('--replace', 'only replace it: fail (ENODATA) if it does not exist (XATTR_REPLACE)')
    .option(...NO_DEREFERENCE)
    .action(
      action(async (p: string, name: string, value: string | undefined, o: { file?: string; create?: boolean; replace?: boolean; dereference: boolean }) => {
        const flags = flagsOf(o);
        const bytes = await valueOf(value, o.file);
        if (bytes.length > DEFAULTS.xattrValueMax) throw tooBig(`${name} of ${normalizePath(p)}`);
        await withClient(globals(), async (c) => {
          const node = await c.reach(p, o.dereference);
          try {
            await c.setxattr(node, name, bytes, flags);
          } catch (err) {
            throw about(err, 'set', p, name);
          }
        });
      }),
    );

  xattr
    .command('rm')
    .description('remove attributes, as setfattr -x NAME')
    .argument('<path>')
    .argument('<names...>')
    .option(...NO_DEREFERENCE)
    .action(
      action(async (p: string, names: string[], o: { dereference: boolean }) => {
        await withClient(globals(), async (c) => {
          const node = await c.reach(p, o.dereference);
          for (const name of names) {
            try {
              await c.removexattr(node, name);
            } catch (err) {
              throw about(err, 'remove', p, name);
            }
          }
        });
      }),
    );
}
