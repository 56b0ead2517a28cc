// pino lines with the active span's ids, and the same lines as OpenTelemetry log records in that trace.
import { SpanKind, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inIncomingSpan, pinoTelemetry, startTelemetry, type Telemetry } from '../src/index.js';

const spans = new InMemorySpanExporter();
const records = new InMemoryLogRecordExporter();
let telemetry: Telemetry | undefined;
const lines: Record<string, unknown>[] = [];

/** A pino logger as createAppLogger makes one, writing to `lines` instead of stdout. */
const log = pino(
  { name: 'score-test', mixin: pinoTelemetry.mixin, hooks: { streamWrite: pinoTelemetry.streamWrite } },
  { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
);

// The logger was made before telemetry started (as modules imported beside telemetry.ts are, unbundled).
beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'score-test',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(spans)],
    logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: records })],
  });
});
afterAll(() => telemetry?.shutdown());
beforeEach(() => {
  lines.length = 0;
  records.reset();
  spans.reset();
});

describe('the pino log bridge', () => {
  it('adds trace_id and span_id to a line written inside a span, nothing to one outside', async () => {
    log.info('before');
    await inIncomingSpan('HTTP score', {}, async () => log.child({ requestId: 'r-1' }).info('inside'));
    const [span] = spans.getFinishedSpans();
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({
      msg: 'inside',
      requestId: 'r-1',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      trace_flags: '01',
    });
  });

  it('sends each line as a log record in the same trace: body, severity, fields, the error as exception', async () => {
    await trace.getTracer('t').startActiveSpan('work', async (active) => {
      log.warn({ model: 'mnist', cache: { hit: 2 } }, 'slow model');
      log.error({ err: new Error('session failed') }, 'inference failed');
      active.end();
    });
    const [warn, error] = records.getFinishedLogRecords();
    const [work] = spans.getFinishedSpans().filter((s) => s.name === 'work');
    expect(warn.body).toBe('slow model');
    expect(warn.severityNumber).toBe(SeverityNumber.WARN);
    expect(warn.severityText).toBe('WARN');
    expect(warn.attributes).toMatchObject({ name: 'score-test', model: 'mnist', cache: '{"hit":2}' });
    // The ids travel as the record's trace context, not as attributes.
    expect(warn.attributes).not.toHaveProperty('trace_id');
    expect(warn.spanContext?.traceId).toBe(work.spanContext().traceId);
    expect(warn.spanContext?.spanId).toBe(work.spanContext().spanId);
    expect(error.severityNumber).toBe(SeverityNumber.ERROR);
    expect(error.attributes).toMatchObject({
      'exception.type': 'Error',
      'exception.message': 'session failed',
      'exception.stacktrace': expect.stringContaining('session failed'),
    });
    // stdout still gets every line, as before.
    expect(lines.map((l) => l.msg)).toEqual(['slow model', 'inference failed']);
  });

  it('a line outside any span is exported without a trace context', () => {
    log.info({ port: 7071 }, 'listening');
    const [record] = records.getFinishedLogRecords();
    expect(record.body).toBe('listening');
    expect(record.spanContext).toBeUndefined();
  });
});
