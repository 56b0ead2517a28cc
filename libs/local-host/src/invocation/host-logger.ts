import { format } from 'node:util';
import type { LogHandler, LogLevel } from '@azure/functions';

/** The subset of a pino logger the local host writes to (pino's Logger satisfies it). */
export interface HostLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino's check, used to skip building a line nobody will see. */
  isLevelEnabled?(level: string): boolean;
}

type LogMethod = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<Exclude<LogLevel, 'none'>, LogMethod> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
};

/** `context.log/warn/error` of one invocation into the host's logger, every line tagged with `fields`. */
export function logHandlerFor(logger: HostLogger, fields: object): LogHandler {
  return (level, ...args) => {
    if (level === 'none') return;
    logger[LEVELS[level] ?? 'info'](fields, format(...args));
  };
}
