import type { AnyValue, LogAttributes, LogRecord, SeverityNumber } from '@opentelemetry/api-logs';

/**
 * pino's levels as OpenTelemetry severities. The numbers are the specification's fixed values (TRACE 1,
 * DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21), written out so that the logs API is not loaded for this.
 */
const SEVERITIES: readonly [minLevel: number, severity: number, text: string][] = [
  [60, 21, 'FATAL'],
  [50, 17, 'ERROR'],
  [40, 13, 'WARN'],
  [30, 9, 'INFO'],
  [20, 5, 'DEBUG'],
  [0, 1, 'TRACE'],
];

/** Fields the record holds in fields of its own, or that its trace context carries. */
const OWN = new Set(['level', 'time', 'msg', 'trace_id', 'span_id', 'trace_flags']);

function attribute(value: unknown): AnyValue | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value === null || value === undefined) return undefined;
  // Nested values as JSON text: Application Insights keeps custom dimensions as strings anyway.
  return JSON.stringify(value);
}

/**
 * A pino line (as written to stdout: redacted, with its bindings) as an OpenTelemetry log record: `msg` the
 * body, the level the severity, `err` the exception attributes Application Insights shows as an exception,
 * every other field an attribute. Undefined for a line that is not a JSON object.
 */
export function pinoLogRecord(line: string): LogRecord | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
  const { level, time, msg, err } = fields as Record<string, unknown>;
  const numeric = typeof level === 'number' ? level : 30;
  const [, severity, severityText] = SEVERITIES.find(([min]) => numeric >= min) ?? SEVERITIES[3];
  const attributes: LogAttributes = {};
  for (const [name, value] of Object.entries(fields)) {
    if (OWN.has(name) || (name === 'err' && typeof err === 'object')) continue;
    const v = attribute(value);
    if (v !== undefined) attributes[name] = v;
  }
  if (typeof err === 'object' && err !== null) {
    const { type, message, stack } = err as Record<string, unknown>;
    if (typeof type === 'string') attributes['exception.type'] = type;
    if (typeof message === 'string') attributes['exception.message'] = message;
    if (typeof stack === 'string') attributes['exception.stacktrace'] = stack;
  }
  return {
    ...(typeof time === 'number' ? { timestamp: time } : {}),
    severityNumber: severity as SeverityNumber,
    severityText,
    body: typeof msg === 'string' ? msg : '',
    attributes,
  };
}
