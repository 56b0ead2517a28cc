import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startSpan, traced } from '../src/tracing.js';

// Tracing off (no SDK registered, as when neither APPLICATIONINSIGHTS_CONNECTION_STRING nor
// OTEL_EXPORTER_OTLP_ENDPOINT is set): a span on the scoring path must cost no more than the stand-in
// span object. What that costs a request is for the benchmarks; here, that nothing else happens.
describe('tracing off', () => {
  it('no SDK is registered: spans are non-recording', () => {
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('traced runs its function at once, in the caller context, and returns its very promise', () => {
    const outer = context.active();
    let inner: unknown;
    let ran = false;
    const own = Promise.resolve(1);
    const returned = traced('modelfn.test', { 'modelfn.model': 'm' }, () => {
      ran = true;
      inner = context.active();
      return own;
    });
    // No context switch and no async wrapper: the same context, called synchronously, the same promise.
    expect(ran).toBe(true);
    expect(inner).toBe(outer);
    expect(returned).toBe(own);
  });

  it('a span for queued work is not even kept', () => {
    expect(startSpan('modelfn.queue', {})).toBeUndefined();
  });
});
