import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { injectTraceContext, pinoTelemetry, traceContextOf } from '../src/index.js';

// No SDK in this process: nothing is recorded, but a reply still carries the request's trace context.
const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context with tracing off', () => {
  it("copies the request's traceparent (or Diagnostic-Id, any case) to the reply's properties", () => {
    const ctx = traceContextOf({ traceparent: TP }, context.active());
    expect(trace.getSpan(ctx)).toBeUndefined();
    expect(injectTraceContext(ctx, { traceparent: TP, tracestate: 'a=1' })).toEqual({
      traceparent: TP,
      'Diagnostic-Id': TP,
      tracestate: 'a=1',
    });
    expect(injectTraceContext(ctx, { 'diagnostic-id': TP })).toEqual({
      traceparent: TP,
      'Diagnostic-Id': TP,
    });
    expect(injectTraceContext(ctx, new Headers({ traceparent: TP }))).toEqual({
      traceparent: TP,
      'Diagnostic-Id': TP,
    });
  });

  it('adds nothing to a reply whose request carried no trace context', () => {
    expect(injectTraceContext(context.active(), { other: 'x' })).toEqual({});
    expect(injectTraceContext(context.active())).toEqual({});
  });

  it('adds nothing to a pino line and exports nothing', () => {
    expect(trace.getTracer('t').startActiveSpan('s', (span) => (span.end(), pinoTelemetry.mixin()))).toEqual(
      {},
    );
    expect(pinoTelemetry.streamWrite('{"msg":"x"}\n')).toBe('{"msg":"x"}\n');
  });
});
