import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { startTelemetry } from '../src/index.js';

// The Functions library as the worker loads it, reduced to what the instrumentation's patch touches.
const pre: ((c: unknown) => void)[] = [];
const setup = vi.fn();
vi.mock('@azure/functions', () => ({
  app: {
    setup,
    hook: {
      preInvocation: (h: (c: unknown) => void) => (pre.push(h), { dispose() {} }),
      log: () => ({ dispose() {} }),
    },
  },
  Disposable: { from: () => ({ dispose() {} }) },
}));

describe('the Functions instrumentation, applied to the module the app uses', () => {
  it("runs each handler in the host's trace context and tells the host the worker sends telemetry", async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = await startTelemetry({
      serviceName: 'score-test',
      env: {},
      functionsHost: true,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    expect(setup).toHaveBeenCalledWith({ capabilities: { WorkerOpenTelemetryEnabled: true } });
    expect(pre).toHaveLength(1);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const hookContext = {
      invocationContext: {
        traceContext: { traceParent: `00-${traceId}-00f067aa0ba902b7-01`, traceState: '' },
      },
      functionHandler: () => trace.getTracer('t').startSpan('in-handler'),
    };
    pre[0](hookContext);
    const span = hookContext.functionHandler() as ReturnType<ReturnType<typeof trace.getTracer>['startSpan']>;
    span.end();
    expect(span.spanContext().traceId).toBe(traceId);
    await telemetry!.shutdown();
  });
});
