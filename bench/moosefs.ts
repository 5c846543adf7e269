// MooseFS as the bench's peer: Debian's moosefs-master, moosefs-chunkserver and moosefs-client
// (3.0.117 on Debian 12), a master and three chunkservers on loopback, each chunkserver with a
// data directory of its own under `dir`, mounted with mfsmount, keeping `copies` copies of
// every chunk (mfssetgoal on the root). Everything runs in the foreground (-f) as a child of
// the bench, on free ports of its own, so it never meets a MooseFS someone else runs here.
//
// Choices, each for a fair or a working comparison:
// - The master refuses a chunkserver whose address is 127.x. The chunkservers dial the master
//   at 0.0.0.0 (the kernel routes that to loopback) and the master remaps 127.0.0.1 to
//   0.0.0.0 (REMAP_BITS = 32), the address the mount then dials for data. Given explicitly,
//   neither side needs the default `mfsmaster` host name.
// - NICE_LEVEL = 0 and mfsnice=0: by default every MooseFS daemon renices itself to -19 when
//   started as root, which would put it ahead of dfs (and of everyone else on a shared
//   machine). The OOM killer is left enabled for the same reason.
// - Trash time 0 on the root: MooseFS otherwise keeps a removed file's chunks for a day,
//   where dfs frees them, and 1 GiB files written round after round would pile up.
// - Everything else is MooseFS's default (cache mode AUTO, 256 MiB write cache, read-ahead).
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/helpers/split-cluster.js';
import { isMounted, run, start, unmount, unmountLater, waitFor, type Started } from './processes.js';

const CHUNKSERVERS = 3;
const START_TIMEOUT_MS = 60_000;
/** mfsmount's options beyond its defaults (see above). */
const MOUNT_OPTIONS = 'mfsnice=0,mfsallowoomkiller';
/** A chunkserver leaves this much of its disk free (its default is 256 MiB). */
const LEAVE_FREE = '256MiB';

/** The empty metadata file the master starts a new file system from (moosefs-master ships it). */
const EMPTY_METADATA = '/var/lib/mfs/metadata.mfs.empty';

export interface MooseFs {
  mountpoint: string;
  master: Started;
  chunkservers: Started[];
  /** The mfsmount process serving the mount now (a new one after each remount). */
  client(): Started;
  remount(): Promise<void>;
  stop(): Promise<void>;
}

function config(file: string, entries: Record<string, string | number>): void {
  fs.writeFileSync(
    file,
    Object.entries(entries)
      .map(([k, v]) => `${k} = ${v}\n`)
      .join(''),
  );
}

/** What every MooseFS daemon here shares: root (the bench's own directories), no renice. */
const RUNTIME = { WORKING_USER: 'root', WORKING_GROUP: 'root', NICE_LEVEL: 0, DISABLE_OOM_KILLER: 0 };

/** How many valid copies MooseFS holds of chunk 0 of `file`, from mfsfileinfo. */
async function validCopies(file: string): Promise<number> {
  const { stdout } = await run('mfsfileinfo', [file]);
  return (stdout.match(/copy \d+: .*VALID/g) ?? []).length;
}

export async function startMooseFs(dir: string, copies: number): Promise<MooseFs> {
  if (!fs.existsSync(EMPTY_METADATA)) throw new Error(`no ${EMPTY_METADATA}: install MooseFS with bash scripts/bench-deps.sh`);
  const [mlPort, csPort, clPort] = [await freePort(), await freePort(), await freePort()];
  const masterDir = path.join(dir, 'master');
  fs.mkdirSync(masterDir, { recursive: true });
  fs.writeFileSync(path.join(masterDir, 'mfsexports.cfg'), '* / rw,alldirs,admin,maproot=0:0\n');
  fs.writeFileSync(path.join(masterDir, 'mfstopology.cfg'), '');
  fs.copyFileSync(EMPTY_METADATA, path.join(masterDir, 'metadata.mfs'));
  config(path.join(masterDir, 'mfsmaster.cfg'), {
    ...RUNTIME,
    DATA_PATH: masterDir,
    EXPORTS_FILENAME: path.join(masterDir, 'mfsexports.cfg'),
    TOPOLOGY_FILENAME: path.join(masterDir, 'mfstopology.cfg'),
    MATOML_LISTEN_HOST: '127.0.0.1',
    MATOML_LISTEN_PORT: mlPort,
    MATOCS_LISTEN_HOST: '127.0.0.1',
    MATOCS_LISTEN_PORT: csPort,
    MATOCL_LISTEN_HOST: '127.0.0.1',
    MATOCL_LISTEN_PORT: clPort,
    REMAP_BITS: 32,
    REMAP_SOURCE_IP_CLASS: '127.0.0.1',
    REMAP_DESTINATION_IP_CLASS: '0.0.0.0',
  });
  const mountpoint = path.join(dir, 'mnt');
  const started: Started[] = [];
  const chunkservers: Started[] = [];
  let master: Started | undefined;
  let client: Started | undefined;
  // once for the cluster's life: a mount left by an mfsmount that died is undone too
  const mountUndone = unmountLater(mountpoint);
  const stop = async (): Promise<void> => {
    await unmount(mountpoint);
    mountUndone();
    await client?.stop();
    await Promise.all(chunkservers.map((c) => c.stop()));
    await master?.stop();
  };
  try {
    master = start('mfsmaster', 'mfsmaster', ['-c', path.join(masterDir, 'mfsmaster.cfg'), '-f']);
    started.push(master);
    const m = master;
    await waitFor('mfsmaster to start', () => m.output().includes('initialized properly'), START_TIMEOUT_MS, [m]);
    for (let i = 1; i <= CHUNKSERVERS; i++) {
      const csDir = path.join(dir, `chunkserver-${i}`);
      fs.mkdirSync(path.join(csDir, 'data'), { recursive: true });
      fs.writeFileSync(path.join(csDir, 'mfshdd.cfg'), `${path.join(csDir, 'data')}\n`);
      config(path.join(csDir, 'mfschunkserver.cfg'), {
        ...RUNTIME,
        DATA_PATH: csDir,
        HDD_CONF_FILENAME: path.join(csDir, 'mfshdd.cfg'),
        HDD_LEAVE_SPACE_DEFAULT: LEAVE_FREE,
        MASTER_HOST: '0.0.0.0',
        MASTER_PORT: csPort,
        CSSERV_LISTEN_HOST: '127.0.0.1',
        CSSERV_LISTEN_PORT: await freePort(),
      });
      const cs = start(`mfschunkserver ${i}`, 'mfschunkserver', ['-c', path.join(csDir, 'mfschunkserver.cfg'), '-f']);
      chunkservers.push(cs);
      started.push(cs);
    }
    const registered = (): number => (m.output().match(/chunkserver register end/g) ?? []).length;
    await waitFor(`${CHUNKSERVERS} chunkservers to register`, () => registered() >= CHUNKSERVERS, START_TIMEOUT_MS, started);

    fs.mkdirSync(mountpoint, { recursive: true });
    const mountNow = async (): Promise<void> => {
      const c = start('mfsmount', 'mfsmount', [mountpoint, '-f', '-H', '127.0.0.1', '-P', String(clPort), '-o', MOUNT_OPTIONS]);
      client = c;
      await waitFor('mfsmount to mount', () => isMounted(mountpoint), START_TIMEOUT_MS, [...started, c]);
    };
    await mountNow();
    await run('mfssettrashtime', ['-r', '0', mountpoint]);
    await run('mfssetgoal', ['-r', String(copies), mountpoint]);

    // ready when a file written now has all its copies (chunkservers report their space late)
    const probe = path.join(mountpoint, '.ready');
    await waitForAsync(
      `MooseFS to store ${copies} copies`,
      async () => {
        await run('dd', ['if=/dev/zero', `of=${probe}`, 'bs=64k', 'count=1', 'conv=fsync', 'status=none']);
        return (await validCopies(probe)) >= copies;
      },
      START_TIMEOUT_MS,
    );
    fs.rmSync(probe);

    return {
      mountpoint,
      master: m,
      chunkservers,
      client: () => client!,
      remount: async () => {
        await unmount(mountpoint);
        await client!.stop();
        await mountNow();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForAsync(what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
