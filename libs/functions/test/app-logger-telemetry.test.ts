// The app logger with telemetry on: trace ids on stdout, the same lines (redacted) as OpenTelemetry log
// records, and the invocation's line in the trace of the span that handled it.
import azf, { type InvocationContext } from '@azure/functions';
import { inIncomingSpan, startTelemetry, type Telemetry } from '@modelfn/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAppLogger, invocationObserver, observeInvocation } from '../src/index.js';
import { invokeWithHooks } from './support/hooked-invocation.js';

const { trigger } = azf;
const spans = new InMemorySpanExporter();
const records = new InMemoryLogRecordExporter();
const lines: Record<string, unknown>[] = [];
const stdout = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
let telemetry: Telemetry | undefined;

beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'local-test',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(spans)],
    logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: records })],
  });
});
afterAll(() => telemetry?.shutdown());
beforeEach(() => {
  lines.length = 0;
  spans.reset();
  records.reset();
});

describe('createAppLogger with telemetry on', () => {
  it('exports the line as written to stdout: redacted and scrubbed, in the span it was written in', async () => {
    const log = createAppLogger('score-test', 'info', stdout);
    await inIncomingSpan('HTTP score', {}, async () =>
      log.warn(
        { headers: { authorization: 'Bearer k3y' }, requestId: 'r-9' },
        'cache at redis://default:hunter2@cache:6380 is slow',
      ),
    );
    const [span] = spans.getFinishedSpans();
    const [line] = lines;
    expect(line).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    const [record] = records.getFinishedLogRecords();
    expect(record.body).toBe('cache at redis://default:[redacted]@cache:6380 is slow');
    expect(record.attributes).toMatchObject({ requestId: 'r-9', headers: '{"authorization":"[redacted]"}' });
    expect(JSON.stringify(record.attributes)).not.toContain('k3y');
    expect(record.spanContext?.spanId).toBe(span.spanContext().spanId);
  });

  it("writes the invocation's line (a post-invocation hook, after the span ended) in the handler span's trace", async () => {
    const log = createAppLogger('local', 'info', stdout);
    await invokeWithHooks(invocationObserver({ registry: new Registry(), logger: log }), {
      name: 'scoreQueue',
      trigger: trigger.serviceBusQueue({ connection: 'Sb', queueName: 'q' }),
      handler: observeInvocation('servicebus', async (_message: unknown, context: InvocationContext) =>
        context.warn('one message was refused'),
      ),
      invocationId: 'inv-7',
      // Stands in for the local host's log bridge: context.warn into the app's logger.
      logHandler: (_level, ...args) => log.warn(String(args[0])),
    });
    const [batch] = spans.getFinishedSpans();
    expect(batch.kind).toBe(SpanKind.CONSUMER);
    const ids = { trace_id: batch.spanContext().traceId, span_id: batch.spanContext().spanId };
    expect(lines.find((l) => l.msg === 'one message was refused')).toMatchObject(ids);
    expect(lines.find((l) => l.msg === 'servicebus scoreQueue ok')).toMatchObject({
      invocationId: 'inv-7',
      ...ids,
    });
    const invocationRecord = records
      .getFinishedLogRecords()
      .find((r) => r.body === 'servicebus scoreQueue ok');
    expect(invocationRecord?.spanContext?.traceId).toBe(ids.trace_id);
    expect(invocationRecord?.attributes.invocationId).toBe('inv-7');
  });
});
