// A progress bar on stderr for long transfers, only when a person is watching.
import cliProgress from 'cli-progress';

export interface Progress {
  add(n: number): void;
  done(): void;
}

const quiet: Progress = { add: () => undefined, done: () => undefined };

export function progress(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total < 8 * 1024 * 1024) return quiet;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} MiB | {speed} MiB/s | ETA {eta}s`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const mib = (n: number): number => Math.round(n / 1048576);
  const start = Date.now();
  let sent = 0;
  bar.start(mib(total), 0, { speed: '0' });
  return {
    add(n: number) {
      sent += n;
      const secs = Math.max(0.001, (Date.now() - start) / 1000);
      bar.update(mib(sent), { speed: (sent / 1048576 / secs).toFixed(1) });
    },
    done() {
      bar.stop();
    },
  };
}
