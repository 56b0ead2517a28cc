import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Logger as OtelLogger } from '@opentelemetry/api-logs';
import { pinoLogRecord } from './pino-log-record.js';

/** Open while telemetry runs; `emitter` when log records are exported. Set by startTelemetry only. */
let bridge: { emitter?: OtelLogger } | undefined;

export function openLogBridge(emitter: OtelLogger | undefined): void {
  bridge = { emitter };
}

/** Lines written after shutdown stay on stdout only (the exporters are gone). */
export function closeLogBridge(): void {
  bridge = undefined;
}

function traceFields(): Record<string, string> {
  // A fresh object each time: pino merges the line's fields into what the mixin returns.
  if (!bridge) return {};
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return {};
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    trace_flags: `0${span.traceFlags.toString(16)}`.slice(-2),
  };
}

/** Runs in the caller's context (pino writes synchronously), on the line as serialized: redactions applied. */
function exportLine(line: string): string {
  const emitter = bridge?.emitter;
  if (emitter) {
    try {
      const record = pinoLogRecord(line);
      if (record) emitter.emit(record);
    } catch {
      // Telemetry never fails the code that logs; the line still reaches stdout.
    }
  }
  return line;
}

/**
 * pino's `mixin` and `hooks.streamWrite` for a logger: while telemetry runs, a line written inside a span
 * carries the span's `trace_id`, `span_id` and `trace_flags`, and, when an exporter is configured, is also
 * sent as an OpenTelemetry log record in that trace (stdout gets the same line as before). While it does not
 * they add nothing and load nothing. They look at the telemetry state per line, not when the logger is
 * made: unbundled, the modules imported beside an app's telemetry.ts run while it still awaits the SDK.
 */
export const pinoTelemetry = { mixin: traceFields, streamWrite: exportLine } as const;
