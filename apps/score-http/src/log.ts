import { createAppLogger } from '@modelfn/functions';
import type { Logger } from 'pino';

export { scrubSecrets } from '@modelfn/functions';

/** The app's JSON logger: credentials redacted and scrubbed (see createAppLogger). */
export const logger: Logger = createAppLogger('score-http');

/** The logger for one request: every line carries the request id, so one request's lines can be found. */
export function requestLogger(requestId: string, functionName: string): Logger {
  return logger.child({ requestId, fn: functionName });
}
