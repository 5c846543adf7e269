// File commands that work without a mount: stat, mkdir, mv, chmod, chown, chgrp, replicas
// (ls is in list.ts, put, get and cat in transfer.ts, rm and the trash in trash.ts, extended
// attributes in xattr.ts).
import path from 'node:path';
import type { Command } from 'commander';
import type { DfsClient } from '../client/client.js';
import { normalizePath } from '../client/client.js';
import { DfsError } from '../rpc/errors.js';
import { withClient, type GlobalOptions } from './connect.js';
import { action, UsageError } from './errors.js';
import { deviceString, modeString, printJson, timeString } from './format.js';
import { idOf, ownerNames } from './owners.js';

async function mkdirs(c: DfsClient, p: string): Promise<void> {
  let cur = '';
  for (const part of normalizePath(p).split('/').filter(Boolean)) {
    cur += `/${part}`;
    try {
      await c.mkdir(cur, 0o755);
    } catch (err) {
      if (!(err instanceof DfsError && err.code === 'EEXIST')) throw err;
      const a = await c.getattr(cur, true);
      if (a.type !== 'dir') throw new DfsError('ENOTDIR', `not a directory: ${cur}`);
    }
  }
}

function parseMode(s: string): number {
  if (!/^[0-7]{1,4}$/.test(s)) throw new UsageError(`mode must be octal (e.g. 644): ${s}`);
  return parseInt(s, 8);
}

export function registerFileCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('stat')
    .description("show a file's attributes")
    .argument('<path>')
    .option('--json', 'print JSON')
    .action(
      action(async (p: string, o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const a = await c.getattr(p);
          if (o.json) {
            printJson({ path: normalizePath(p), ...a });
            return;
          }
          const lines = [
            ['path', normalizePath(p)],
            ['type', a.type],
            ['size', String(a.size)],
            ['mode', `${(a.mode & 0o7777).toString(8).padStart(4, '0')} (${modeString(a)})`],
            ['uid', String(a.uid)],
            ['gid', String(a.gid)],
            ['links', String(a.nlink)],
            ['inode', String(a.ino)],
            ['replicas', String(a.replicas)],
            ['atime', timeString(a.atime)],
            ['mtime', timeString(a.mtime)],
            ['ctime', timeString(a.ctime)],
          ];
          if (a.type === 'char' || a.type === 'block') lines.splice(3, 0, ['device', deviceString(a.rdev ?? 0)]);
          process.stdout.write(lines.map(([k, v]) => `${k.padEnd(8)} ${v}`).join('\n') + '\n');
        });
      }),
    );

  program
    .command('mkdir')
    .description('make directories')
    .argument('<paths...>')
    .option('-p, --parents', 'make parents as needed; no error if it exists')
    .option('-m, --mode <mode>', 'octal mode', '755')
    .action(
      action(async (paths: string[], o: { parents?: boolean; mode: string }) => {
        await withClient(globals(), async (c) => {
          for (const p of paths) {
            if (o.parents) await mkdirs(c, p);
            else await c.mkdir(p, parseMode(o.mode));
          }
        });
      }),
    );

  program
    .command('mv')
    .description('move or rename')
    .argument('<src>')
    .argument('<dst>')
    .action(
      action(async (src: string, dst: string) => {
        await withClient(globals(), async (c) => {
          let target = normalizePath(dst);
          try {
            const a = await c.getattr(target, true);
            if (a.type === 'dir') target = path.posix.join(target, path.posix.basename(normalizePath(src)));
          } catch (err) {
            if (!(err instanceof DfsError && err.code === 'ENOENT')) throw err;
          }
          await c.rename(src, target);
        });
      }),
    );

  program
    .command('chmod')
    .description('change permission bits')
    .argument('<mode>', 'octal mode, e.g. 640')
    .argument('<paths...>')
    .action(
      action(async (mode: string, paths: string[]) => {
        const m = parseMode(mode);
        await withClient(globals(), async (c) => {
          for (const p of paths) await c.chmod(p, m);
        });
      }),
    );

  program
    .command('chown')
    .description('change owner (admin) and group (owner, to a group of theirs)')
    .argument('<owner>', 'USER, USER:GROUP or :GROUP (names or numbers)')
    .argument('<paths...>')
    .option('-h, --no-dereference', 'change a symbolic link itself')
    .action(
      action(async (spec: string, paths: string[], o: { dereference: boolean }) => {
        const [userPart, groupPart] = spec.split(':', 2);
        await withClient(globals(), async (c) => {
          const names = await ownerNames(c);
          const uid = userPart ? idOf(userPart, names.users, 'user') : -1;
          const gid = groupPart ? idOf(groupPart, names.groups, 'group') : -1;
          for (const p of paths) await c.chown(p, uid, gid, o.dereference);
        });
      }),
    );

  program
    .command('chgrp')
    .description('change group (the owner, to a group of theirs; an admin, to any)')
    .argument('<group>', 'group name or number')
    .argument('<paths...>')
    .action(
      action(async (groupSpec: string, paths: string[]) => {
        await withClient(globals(), async (c) => {
          const gid = idOf(groupSpec, (await ownerNames(c)).groups, 'group');
          for (const p of paths) await c.chown(p, -1, gid, true);
        });
      }),
    );

  program
    .command('replicas')
    .description('set the replication factor of a file or directory (new blocks; repair brings old ones)')
    .argument('<path>')
    .argument('<n>', 'copies of each block')
    .action(
      action(async (p: string, n: string) => {
        const count = Number(n);
        if (!Number.isInteger(count) || count < 1 || count > 16) throw new UsageError('replicas must be 1 to 16');
        await withClient(globals(), async (c) => {
          await c.setReplicas(p, count);
          const nodes = (await c.status()).nodes.length;
          if (count > nodes) {
            process.stderr.write(
              `dfs: warning: the cluster has ${nodes} storage node${nodes === 1 ? '' : 's'}: blocks get at most ${nodes} cop${nodes === 1 ? 'y' : 'ies'} (one a node) until more join\n`,
            );
          }
        });
      }),
    );
}
