// Structured logs on stderr (pino), one logger per process, a child per component: JSON
// lines when stderr is a file or a pipe (journald, a collector), one readable line each
// (time, level, component, message, fields) on a terminal; $DFS_LOG_FORMAT=json|pretty
// chooses. The level comes from --log-level or $DFS_LOG_LEVEL (default info).
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

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

export type LogFormat = 'json' | 'pretty';

/** JSON unless a person is reading stderr, or $DFS_LOG_FORMAT says. */
function logFormat(env: NodeJS.ProcessEnv = process.env, tty = Boolean(process.stderr.isTTY)): LogFormat {
  const chosen = env.DFS_LOG_FORMAT;
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return tty ? 'pretty' : 'json';
}

function destination(): DestinationStream {
  if (logFormat() === 'json') return pino.destination({ fd: 2, sync: true });
  return pretty({
    destination: 2,
    sync: true,
    singleLine: true,
    colorize: Boolean(process.stderr.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,component',
    messageFormat: (log, messageKey) => {
      const msg = log[messageKey];
      return `${typeof log.component === 'string' ? `${log.component}: ` : ''}${typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg)}`;
    },
  });
}

export function rootLogger(): Logger {
  const env = process.env.DFS_LOG_LEVEL ?? 'info';
  root ??= pino({ level: isLogLevel(env) ? env : 'info', base: { pid: process.pid } }, destination());
  return root;
}

export function logger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}

/** A logger that says nothing: for servers embedded in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
