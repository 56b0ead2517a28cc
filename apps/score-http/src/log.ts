import pino, { type Logger } from 'pino';

/** Credentials that can hide inside connection strings and URLs, and the text that replaces them. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*):([^@\s/]+)@/gi, '$1$2:[redacted]@'],
  [/\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|pwd|sig)=([^;&\s]+)/gi, '$1=[redacted]'],
];

/** Removes passwords and keys from free text (error messages can quote a Redis URL or a connection string). */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((t, [re, by]) => t.replace(re, by), text);
}

/**
 * One JSON logger for the app. Headers and settings that carry credentials are redacted by path, and every
 * string argument is scrubbed, so neither a function key nor a connection string reaches the log.
 */
export const logger: Logger = pino({
  name: 'score-http',
  level: process.env.LOG_LEVEL || 'info',
  redact: {
    paths: [
      'headers.authorization',
      'headers.cookie',
      'headers["x-functions-key"]',
      'headers["ocp-apim-subscription-key"]',
      '*.password',
      '*.redisPassword',
      '*.connectionString',
      '*.accessKey',
      '*.key',
    ],
    censor: '[redacted]',
  },
  serializers: {
    err: (e: unknown) => {
      const out = pino.stdSerializers.err(e as Error);
      if (out && typeof out.message === 'string') out.message = scrubSecrets(out.message);
      if (out && typeof out.stack === 'string') out.stack = scrubSecrets(out.stack);
      return out;
    },
  },
  hooks: {
    logMethod(args, method) {
      method.apply(
        this,
        args.map((a: unknown) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>,
      );
    },
  },
});

/** The logger for one request: every line carries the request id, so one request's lines can be found. */
export function requestLogger(requestId: string, functionName: string): Logger {
  return logger.child({ requestId, fn: functionName });
}
