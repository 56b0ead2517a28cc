import pino from 'pino';
import type { EntryLog } from './types.js';

/** The logger an entry script gets, named for its model. */
export function logFor(name: string): EntryLog {
  const log = pino({ name: `entry:${name}`, level: process.env.LOG_LEVEL || 'info' });
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields: object = {}) =>
      log[level](fields, msg);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
