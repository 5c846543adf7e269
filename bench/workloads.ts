// The mount bench's workloads, the same on every target (bench/targets.ts), each run by a
// process of its own (fio, dd, bench/mount-worker.ts), never by one that serves the mount:
//   - fio: a sequential write of one file with end_fsync, its sequential read from a fresh
//     mount, 4 KiB buffered random reads of it, and 4 KiB and 64 KiB random writes into it
//     (time-based, fsync'd at the end), one job, psync;
//   - empty files created, stat'ed and removed by one process, then 1 KiB files created;
//   - the CPU seconds a GiB costs each process that serves the target, while dd (bs=1M,
//     conv=fsync) writes a file of random data and, from a fresh mount, reads it back.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, parseBashTimes } from './cpu.js';
import { run } from './processes.js';
import type { Role, Target } from './targets.js';

export interface Sizes {
  /** The fio file, MiB. */
  fileMiB: number;
  /** How long each random read or write run lasts, seconds. */
  randomSeconds: number;
  /** Files created, stat'ed and removed. */
  files: number;
  /** The dd transfer the CPU figures come from, MiB. */
  cpuMiB: number;
}

/** One round's figures of one target, by figure id (bench/report.ts); absent where it does not apply. */
export type Figures = Record<string, number>;

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mount-worker.js');
const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Options every fio run shares. fallocate=none: FUSE mounts here differ in whether they have it. */
const FIO_COMMON = ['--ioengine=psync', '--fallocate=none', '--numjobs=1', '--output-format=json'];

interface FioSide {
  bw_bytes: number;
  iops: number;
}

async function fio(file: string, sizeMiB: number, args: string[]): Promise<{ read: FioSide; write: FioSide }> {
  const { stdout } = await run('fio', ['--name=bench', `--filename=${file}`, `--size=${sizeMiB}M`, ...FIO_COMMON, ...args]);
  // fio may print a warning before its JSON
  const json = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as { jobs: Array<{ read: FioSide; write: FioSide; error: number }> };
  const job = json.jobs[0];
  if (job.error) throw new Error(`fio ${args.join(' ')} on ${file}: error ${job.error}`);
  return job;
}

export async function worker(args: string[]): Promise<Record<string, number>> {
  return JSON.parse((await run(process.execPath, [WORKER, ...args])).stdout) as Record<string, number>;
}

/** dd run by a bash that prints `times` after it: the seconds of CPU dd itself used. */
async function ddCpu(args: string[]): Promise<number> {
  const { stderr } = await run('bash', ['-c', 'dd "$@" status=none && times >&2', 'dd', ...args]);
  return parseBashTimes(stderr);
}

/** CPU seconds a GiB for each role's processes, and dd's own, over one dd transfer. */
async function cpuPerGiB(target: Target, sizeMiB: number, transfer: () => Promise<number>, prefix: string): Promise<Figures> {
  const procs = target.processes();
  const before = procs.map((p) => cpuSeconds(p.pid));
  const dd = await transfer();
  const after = procs.map((p) => cpuSeconds(p.pid));
  const perGiB = (secs: number): number => secs / ((sizeMiB * MiB) / GiB);
  const byRole = new Map<Role, number>();
  procs.forEach((p, i) => byRole.set(p.role, (byRole.get(p.role) ?? 0) + after[i] - before[i]));
  const out: Figures = {};
  // dfs up's one process is only in "servers": it is master and storage nodes at once
  for (const [role, secs] of byRole) if (role !== 'master+storage') out[`${prefix}.${role}`] = perGiB(secs);
  const servers = ['master', 'storage', 'master+storage'].filter((r) => byRole.has(r as Role)).map((r) => byRole.get(r as Role)!);
  if (servers.length) out[`${prefix}.servers`] = perGiB(servers.reduce((a, b) => a + b, 0));
  out[`${prefix}.dd`] = perGiB(dd);
  out[`${prefix}.all`] = perGiB([...byRole.values()].reduce((a, b) => a + b, 0) + dd);
  return out;
}

/** Every workload on one running target, in order; `randomSource` is a local file of random data. */
export async function runWorkloads(target: Target, sizes: Sizes, randomSource: string, log: (line: string) => void): Promise<Figures> {
  const f: Figures = {};
  const file = path.join(target.dir, 'fio.bin');
  const timed = ['--time_based', `--runtime=${sizes.randomSeconds}`];
  const mb = (side: FioSide): number => side.bw_bytes / 1e6;

  log('sequential write');
  f.seqWrite = mb((await fio(file, sizes.fileMiB, ['--rw=write', '--bs=1M', '--end_fsync=1'])).write);
  await target.freshen();
  log('sequential read');
  f.seqRead = mb((await fio(file, sizes.fileMiB, ['--rw=read', '--bs=1M'])).read);
  await target.freshen();
  log('random reads');
  f.randRead = (await fio(file, sizes.fileMiB, ['--rw=randread', '--bs=4k', ...timed])).read.iops;
  log('random writes');
  f.randWrite4k = (await fio(file, sizes.fileMiB, ['--rw=randwrite', '--bs=4k', '--end_fsync=1', ...timed])).write.iops;
  f.randWrite64k = (await fio(file, sizes.fileMiB, ['--rw=randwrite', '--bs=64k', '--end_fsync=1', ...timed])).write.iops;
  fs.rmSync(file);

  log('small files');
  // "files": the one directory name bench/null-mount.ts knows besides the root
  const files = path.join(target.dir, 'files');
  fs.mkdirSync(files, { recursive: true }); // the null mount has it already
  const empty = await worker(['files', files, String(sizes.files), '0']);
  f.createEmpty = empty.create;
  f.stat = empty.stat;
  f.unlink = empty.delete;
  f.createSmall = (await worker(['files', files, String(sizes.files), '1024'])).create;

  log('CPU per GiB');
  const cpuFile = path.join(target.dir, 'cpu.bin');
  Object.assign(f, await cpuPerGiB(target, sizes.cpuMiB, () => ddCpu([`if=${randomSource}`, `of=${cpuFile}`, 'bs=1M', 'conv=fsync']), 'cpuWrite'));
  await target.freshen();
  Object.assign(f, await cpuPerGiB(target, sizes.cpuMiB, () => ddCpu([`if=${cpuFile}`, 'of=/dev/null', 'bs=1M']), 'cpuRead'));
  fs.rmSync(cpuFile);
  return f;
}
