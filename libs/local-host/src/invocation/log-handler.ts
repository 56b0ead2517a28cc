import { format } from 'node:util';
import type { LogHandler, LogLevel } from '@azure/functions';
import type { HostLogger } from '@modelfn/functions';

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
