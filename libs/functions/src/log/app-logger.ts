import { boundText } from '@modelfn/scoring';
import { pinoTelemetry } from '@modelfn/telemetry';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

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
 * A log line quotes errors and strings that can come from a request (a script's own error, a shape): bounded,
 * so one hostile request cannot write megabytes to the log.
 */
const MAX_LOGGED_STRING = 2000;
const MAX_LOGGED_STACK = 8000;

/** Cut before the scrub (a regex over megabytes costs), then again after it, so a secret split by the first cut is gone. */
function scrubbed(text: string, max: number): string {
  return boundText(scrubSecrets(boundText(text, 4 * max)), max);
}

/**
 * One JSON logger per function app (LOG_LEVEL, default info). Headers and settings that carry credentials
 * are redacted by path, and every string argument and error message is scrubbed, so neither a function key
 * nor a connection string reaches the log. While telemetry runs, a line written inside a span carries its
 * `trace_id` and `span_id`, and goes to the configured exporters as an OpenTelemetry log record as well as
 * to stdout (see pinoTelemetry). `destination` is for tests: stdout otherwise.
 */
export function createAppLogger(
  name: string,
  level = process.env.LOG_LEVEL || 'info',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    name,
    level,
    mixin: pinoTelemetry.mixin,
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
        if (out && typeof out.message === 'string') out.message = scrubbed(out.message, MAX_LOGGED_STRING);
        if (out && typeof out.stack === 'string') out.stack = scrubbed(out.stack, MAX_LOGGED_STACK);
        return out;
      },
    },
    hooks: {
      streamWrite: pinoTelemetry.streamWrite,
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a: unknown) =>
            typeof a === 'string' ? scrubbed(a, MAX_LOGGED_STRING) : a,
          ) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
