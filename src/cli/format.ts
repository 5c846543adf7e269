// Plain-text renderings for the CLI.
import type { Attr, FileType } from '../protocol/types.js';

/** ls(1)'s letter for each kind of file. */
const TYPE_LETTER: Record<FileType, string> = { file: '-', dir: 'd', symlink: 'l', fifo: 'p', socket: 's', char: 'c', block: 'b' };

export function modeString(a: Attr): string {
  const t = TYPE_LETTER[a.type] ?? '?';
  const m = a.mode;
  const rwx = (shift: number, special: number, ch: string): string => {
    const r = m & (4 << shift) ? 'r' : '-';
    const w = m & (2 << shift) ? 'w' : '-';
    const xbit = m & (1 << shift);
    const x = m & special ? (xbit ? ch : ch.toUpperCase()) : xbit ? 'x' : '-';
    return r + w + x;
  };
  return t + rwx(6, 0o4000, 's') + rwx(3, 0o2000, 's') + rwx(0, 0o1000, 't');
}

/** A device's number as `ls -l` and `stat` show it, "major, minor" (glibc's split of a Linux dev_t). */
export function deviceString(rdev: number): string {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00);
  return `${major}, ${minor}`;
}

export function timeString(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A size as `ls -h` and `du -h` print it: 1023, 1.0K, 5.1M, 12G (rounded up, powers of 1024). */
export function humanSize(n: number): string {
  if (n < 1024) return String(n);
  const units = ['K', 'M', 'G', 'T', 'P', 'E'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (v < 10) {
    const tenths = Math.ceil(v * 10) / 10;
    return tenths >= 10 ? `10${units[u]}` : `${tenths.toFixed(1)}${units[u]}`;
  }
  const whole = Math.ceil(v);
  return whole >= 1024 && u < units.length - 1 ? `1.0${units[u + 1]}` : `${whole}${units[u]}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** What --json prints: the value, indented, on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
