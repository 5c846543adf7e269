// `dfs mount DIR` (the FUSE daemon, in the foreground) and `dfs umount DIR`.
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULTS } from '../defaults.js';
import { ClientMountBackend } from '../client/mount-backend.js';
import { DfsError } from '../rpc/errors.js';
import { callerIdentity } from '../fuse/acting-ops.js';
import { InodeMountDaemon } from '../fuse/inode-daemon.js';
import type { Request } from '../fuse/lowlevel-ops.js';
import { MountDaemon } from '../fuse/mount.js';
import { findMount, unmount } from '../fuse/mounts.js';
import { ID_MAP_MODES, IdMap, type IdMapMode } from '../client/id-map.js';
import { sessionClient, type GlobalOptions } from './connect.js';
import { growHeapForBlockTraffic } from './heap.js';
import { action, UsageError } from './errors.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * The mount's FUSE layer: `inode` (the default) on the low-level libfuse 3 binding, one kernel
 * inode per file, kernel caches kept true by the master (src/fuse/inode-daemon.ts); `path`,
 * the high-level fuse-native layer it replaces (src/fuse/mount.ts). `--layer`, or this
 * variable for a whole test run.
 */
const MOUNT_LAYER_ENV = 'DFS_MOUNT_LAYER';
const LAYERS = ['inode', 'path'] as const;

export function registerMountCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('mount')
    .description('mount the cluster at a directory with FUSE; runs in the foreground until unmounted (Ctrl-C, SIGTERM or `dfs umount`)')
    .argument('<mountpoint>', 'an empty directory (created if missing)')
    .option('--allow-other', 'let other local users use the mount (they act as your dfs user)')
    .option('--cache-mb <n>', 'decrypted block cache for reads, in MiB', String(DEFAULTS.mountCacheBytes / 2 ** 20))
    .option(
      '--attr-cache <seconds>',
      '--layer path: answer stat from memory this long; a change made in another mount shows in a plain stat after at most this (open always asks the master)',
      String(DEFAULTS.mountAttrCacheMs / 1000),
    )
    .option('--give-up-after <seconds>', 'unmount when the master has been unreachable this long', String(DEFAULTS.mountMasterGoneMs / 1000))
    .option('--debug', 'print every FUSE request (libfuse debug output)')
    .option('--id-map <mode>', 'how owners show: identity (dfs uids and gids as they are) or name (local accounts of the same name, you as yourself, others as nobody)', 'identity')
    .option('--trace', 'print every operation the daemon answers, with its duration')
    .option('--multi-user', "every local user acts as themselves (their uid, gid and groups, by the id map); needs an admin's login, and root; implies --allow-other")
    .option('--no-root-squash', 'with --multi-user: local root acts as root (by default it acts as nobody, 65534)')
    .option(
      '--layer <layer>',
      'the FUSE layer: inode (low-level libfuse 3, kernel caches the master keeps true) or path (the older high-level fuse-native layer)',
      process.env[MOUNT_LAYER_ENV] ?? 'inode',
    )
    .action(
      action(
        async (
          mountpoint: string,
          o: {
            allowOther?: boolean;
            cacheMb: string;
            attrCache: string;
            giveUpAfter: string;
            debug?: boolean;
            trace?: boolean;
            idMap: string;
            layer: string;
            multiUser?: boolean;
            rootSquash: boolean;
          },
        ) => {
          const cacheMb = Number(o.cacheMb);
          if (!Number.isFinite(cacheMb) || cacheMb < 8) throw new UsageError('--cache-mb must be at least 8');
          const giveUp = Number(o.giveUpAfter);
          if (!Number.isFinite(giveUp) || giveUp <= 0) throw new UsageError('--give-up-after must be a positive number of seconds');
          if (!(LAYERS as readonly string[]).includes(o.layer)) throw new UsageError(`--layer must be one of ${LAYERS.join(', ')}`);
          if (o.multiUser && o.layer !== 'inode') throw new UsageError('--multi-user needs --layer inode (the path layer is not told who calls)');
          const attrCache = Number(o.attrCache);
          if (!Number.isFinite(attrCache) || attrCache < 0) throw new UsageError('--attr-cache must be a number of seconds, 0 or more');
          const client = sessionClient(globals(), { cacheBytes: Math.floor(cacheMb * 2 ** 20), mountpoint: path.resolve(mountpoint) });
          // fail before mounting when the login is bad or the master is unreachable
          const me = await client.whoami();
          if (!(ID_MAP_MODES as readonly string[]).includes(o.idMap)) throw new UsageError(`--id-map must be one of ${ID_MAP_MODES.join(', ')}`);
          const ids = await IdMap.load(client, {
            mode: o.idMap as IdMapMode,
            self: { dfsUid: me.uid, dfsGid: me.gid, localUid: process.getuid?.() ?? 0, localGid: process.getgid?.() ?? 0 },
          });
          let exiting = false;
          const exit = (code: number): void => {
            if (exiting) return;
            exiting = true;
            process.exit(code);
          };
          growHeapForBlockTraffic();
          const common = {
            mountpoint,
            log,
            ids,
            allowOther: o.allowOther,
            debug: o.debug,
            trace: o.trace,
            masterGoneMs: giveUp * 1000,
            onStop: (_reason: string, failed: boolean) => exit(failed ? 1 : 0),
          };
          if (o.multiUser && !me.admin) throw new UsageError(`--multi-user needs an admin's login (${me.user} is not an admin)`);
          const multiUser = o.multiUser
            ? (req: Request) =>
                callerIdentity(req, { toDfsUid: (u) => ids.toDfsUid(u), toDfsGid: (g) => ids.toDfsGid(g), rootSquash: o.rootSquash, squashedId: DEFAULTS.squashedId })
            : undefined;
          const daemon =
            o.layer === 'inode'
              ? new InodeMountDaemon({ ...common, multiUser, backend: new ClientMountBackend(client), masterUrl: client.url })
              : new MountDaemon({ ...common, client, attrCacheMs: Math.round(attrCache * 1000) });
          await daemon.start();
          const stop = (sig: NodeJS.Signals): void => {
            log(`dfs mount: ${sig}, unmounting ${daemon.mountpoint}`);
            daemon.stop().then(
              () => exit(0),
              () => exit(1),
            );
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
          process.on('SIGHUP', stop);
          log(`dfs mount: ${client.url} as ${me.user} at ${daemon.mountpoint}`);
          // started from fstab, our stdout and stderr are pipes the helper closes once it has
          // seen the line below: a later log line must not kill the daemon (EPIPE) before it
          // has flushed and unmounted
          for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
          process.stdout.write(`mounted: ${daemon.mountpoint}\n`);
        },
      ),
    );

  program
    .command('umount')
    .alias('unmount')
    .description('unmount a dfs mount; its daemon flushes and exits')
    .argument('<mountpoint>')
    .option('--lazy', 'detach now even if files are open (they keep working until closed)')
    .action(
      action(async (mountpoint: string, o: { lazy?: boolean }) => {
        const abs = path.resolve(mountpoint);
        const m = await findMount(abs);
        if (!m || !m.fstype.startsWith('fuse')) throw new DfsError('EINVAL', `not a dfs mount: ${abs}`);
        await unmount(abs, o.lazy ?? false);
        process.stdout.write(`unmounted: ${abs}\n`);
      }),
    );
}
