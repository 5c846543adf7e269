// put/get of a large random file with the CLI, beside a plain local `cp` of the same file.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DFS_BIN, runDfs } from '../test/helpers/cluster.js';

export interface BenchRow {
  name: string;
  dfs: number;
  local?: number;
  /** The same work on a do-nothing FUSE file system: the most any mount can do here. */
  floor?: number;
  unit: string;
}

const MiB = 1024 * 1024;

/** Rows as aligned lines: dfs, the FUSE floor where measured, local, and dfs's ratio to local. */
export function formatRows(rows: BenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const floor = r.floor === undefined ? '' : `   fuse floor ${r.floor.toFixed(1).padStart(9)}`;
      const local = r.local === undefined ? '' : `   local ${r.local.toFixed(1).padStart(9)} ${r.unit}   ratio ${(r.dfs / r.local).toFixed(2)}`;
      return `  ${r.name.padEnd(w)}  dfs ${r.dfs.toFixed(1).padStart(9)} ${r.unit}${floor}${local}\n`;
    })
    .join('');
}

function writeRandomFile(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w');
  const chunk = randomBytes(16 * MiB);
  for (let off = 0; off < bytes; off += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - off));
  fs.closeSync(fd);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function must(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runDfs(args, env);
  if (r.code !== 0) throw new Error(`dfs ${args.join(' ')}: ${r.stderr}`);
}

/** Starts `dfs up` in its own process and resolves with its master URL and a stop function. */
export async function startCluster(dir: string, extra: string[] = []): Promise<{ url: string; env: NodeJS.ProcessEnv; stop: () => Promise<void> }> {
  const env = { ...process.env, DFS_CONFIG_DIR: path.join(dir, 'config'), DFS_ADMIN_PASSWORD: 'bench-password' };
  const proc = spawn(DFS_BIN, ['up', '--data-dir', path.join(dir, 'data'), '--port', '0', ...extra], { env: { ...env, DFS_NODE: process.execPath }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/^master: (\S+)$/m);
      if (m && /^storage nodes: /m.test(out)) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`dfs up exited ${code}`)));
  });
  return {
    url,
    env,
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export async function cliBench(sizeMiB = 256): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-bench-'));
  const cluster = await startCluster(dir, ['--memory', '--replicas', '1']);
  try {
    const src = path.join(dir, 'src.bin');
    writeRandomFile(src, sizeMiB * MiB);
    const cpSecs = await timed(async () => fs.promises.copyFile(src, path.join(dir, 'cp.bin'), fs.constants.COPYFILE_FICLONE_FORCE).catch(() => fs.promises.copyFile(src, path.join(dir, 'cp.bin'))));
    const putSecs = await timed(() => must(['put', src, '/bench.bin'], cluster.env));
    const getSecs = await timed(() => must(['get', '/bench.bin', path.join(dir, 'back.bin')], cluster.env));
    const cmp = await new Promise<number>((resolve) => spawn('cmp', [src, path.join(dir, 'back.bin')]).on('exit', (c) => resolve(c ?? 1)));
    if (cmp !== 0) throw new Error('the file came back different');
    const rate = (s: number): number => sizeMiB / s;
    return [
      { name: `CLI put ${sizeMiB} MiB`, dfs: rate(putSecs), local: rate(cpSecs), unit: 'MiB/s' },
      { name: `CLI get ${sizeMiB} MiB`, dfs: rate(getSecs), local: rate(cpSecs), unit: 'MiB/s' },
    ];
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
