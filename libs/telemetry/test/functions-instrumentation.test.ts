import { SpanKind, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { inIncomingSpan, startTelemetry } from '../src/index.js';

// The Functions library as the worker loads it, reduced to what the instrumentation's patch touches.
const pre: ((c: unknown) => void)[] = [];
const log: ((c: unknown) => void)[] = [];
const setup = vi.fn();
vi.mock('@azure/functions', () => ({
  app: {
    setup,
    hook: {
      preInvocation: (h: (c: unknown) => void) => (pre.push(h), { dispose() {} }),
      log: (h: (c: unknown) => void) => (log.push(h), { dispose() {} }),
    },
  },
  Disposable: { from: () => ({ dispose() {} }) },
}));

const HOST_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HOST_SPAN = '00f067aa0ba902b7';

describe('the Functions instrumentation, applied to the module the app uses', () => {
  it("runs each handler in the host's span, under which the request's span is an INTERNAL child", async () => {
    const spans = new InMemorySpanExporter();
    const logs = new InMemoryLogRecordExporter();
    const telemetry = await startTelemetry({
      serviceName: 'score-test',
      env: {},
      functionsHost: true,
      spanProcessors: [new SimpleSpanProcessor(spans)],
      logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
    });
    // The host is told that the worker sends its own logs, so it does not send context.log lines again.
    expect(setup).toHaveBeenCalledWith({ capabilities: { WorkerOpenTelemetryEnabled: true } });
    expect(pre).toHaveLength(1);
    expect(log).toHaveLength(1);
    const hookContext = {
      invocationContext: {
        traceContext: { traceParent: `00-${HOST_TRACE}-${HOST_SPAN}-01`, traceState: '' },
      },
      // As score-http's handler: its span, with a context.log line inside (the library calls the log hook).
      functionHandler: () =>
        inIncomingSpan(
          'HTTP score',
          {
            carrier: new Headers({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
          },
          async () => {
            log[0]({ level: 'information', message: 'from context.log', category: 'Function.score.User' });
            return trace.getActiveSpan()?.spanContext();
          },
        ),
    };
    pre[0](hookContext);
    const inHandler = await hookContext.functionHandler();

    const [request] = spans.getFinishedSpans().filter((s) => s.name === 'HTTP score');
    expect(request.kind).toBe(SpanKind.INTERNAL);
    expect(request.spanContext().traceId).toBe(HOST_TRACE);
    expect(request.parentSpanContext?.spanId).toBe(HOST_SPAN);
    expect(inHandler?.spanId).toBe(request.spanContext().spanId);
    const [line] = logs.getFinishedLogRecords().filter((r) => r.body === 'from context.log');
    expect(line.spanContext?.traceId).toBe(HOST_TRACE);
    expect(line.spanContext?.spanId).toBe(request.spanContext().spanId);
    await telemetry!.shutdown();
  });
});
