// Structured logs: JSON lines on stderr (pino), one logger per process, a child per
// component. The level comes from --log-level or $DFS_LOG_LEVEL (default info).
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let root: Logger | undefined;

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export function setLogLevel(level: LogLevel): void {
  rootLogger().level = level;
}

export function rootLogger(): Logger {
  const env = process.env.DFS_LOG_LEVEL ?? 'info';
  root ??= pino({ level: isLogLevel(env) ? env : 'info', base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  return root;
}

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}

/** A logger that says nothing: for servers embedded in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
