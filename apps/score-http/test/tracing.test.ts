import { startTelemetry, type Telemetry } from '@modelfn/telemetry';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { postJson } from './support/http.js';
import { row } from './support/mnist.js';

// The SDK as the telemetry module registers it, with an in-memory exporter; then the app on the local host.
const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
let app: AppUnderTest;
beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'score-http',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  await telemetry?.shutdown();
});
beforeEach(() => exporter.reset());

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const named = (name: string) => exporter.getFinishedSpans().filter((s: ReadableSpan) => s.name === name);

async function settled(): Promise<void> {
  // The cache write is not awaited by the request; give it a moment to end its span.
  await new Promise((r) => setTimeout(r, 50));
}

describe('HTTP traces', () => {
  it("a request with a traceparent: the request's and the scoring spans are in the caller's trace", async () => {
    const r = await postJson(
      `${app.url}/score`,
      { data: [row(5)] },
      {
        traceparent: `00-${TRACE}-${PARENT}-01`,
      },
    );
    expect(r.status).toBe(200);
    await settled();
    const [request] = named('HTTP score');
    expect(
      request,
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .join(', '),
    ).toBeDefined();
    expect(request.spanContext().traceId).toBe(TRACE);
    expect(request.parentSpanContext?.spanId).toBe(PARENT);
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'modelfn.model': 'mnist',
      'modelfn.cache': r.headers.get('x-cache'),
      'modelfn.request_id': r.headers.get('x-request-id'),
    });
    for (const name of ['modelfn.decode', 'modelfn.infer', 'modelfn.cache.lookup']) {
      const [span] = named(name);
      expect(span, name).toBeDefined();
      expect(span.spanContext().traceId, name).toBe(TRACE);
      expect(span.attributes['modelfn.model'], name).toBe('mnist');
      expect(span.attributes['modelfn.model.version'], name).toBe('1');
    }
    expect(named('modelfn.infer')[0].attributes['modelfn.cache']).toBe(r.headers.get('x-cache'));
    // The same rows again: a hit, in a trace of its own (no traceparent), with no inference span.
    exporter.reset();
    const again = await postJson(`${app.url}/score`, { data: [row(5)] });
    expect(again.headers.get('x-cache')).toBe('hit');
    await settled();
    const [second] = named('HTTP score');
    expect(second.spanContext().traceId).not.toBe(TRACE);
    expect(second.attributes['modelfn.cache']).toBe('hit');
    expect(named('modelfn.inference')).toHaveLength(0);
  });

  it('a miss goes through the queue and the model: queue wait, inference and cache write spans', async () => {
    const r = await postJson(
      `${app.url}/score`,
      { data: [row(6), row(7)] },
      { traceparent: `00-${TRACE}-${PARENT}-01` },
    );
    expect(r.headers.get('x-cache')).toBe('miss');
    await settled();
    for (const name of ['modelfn.queue.wait', 'modelfn.inference', 'modelfn.cache.write']) {
      const [span] = named(name);
      expect(span, name).toBeDefined();
      expect(span.spanContext().traceId, name).toBe(TRACE);
    }
    expect(named('modelfn.inference')[0].attributes['modelfn.rows']).toBe(2);
  });

  it('a refused request: the span has its 4xx status and no model run', async () => {
    const r = await postJson(
      `${app.url}/score`,
      { data: 'not rows' },
      { traceparent: `00-${TRACE}-${PARENT}-01` },
    );
    expect(r.status).toBe(400);
    await settled();
    const [request] = named('HTTP score');
    expect(request.spanContext().traceId).toBe(TRACE);
    expect(request.attributes['http.response.status_code']).toBe(400);
    expect(named('modelfn.inference')).toHaveLength(0);
  });
});
