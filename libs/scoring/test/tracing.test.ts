import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityModel } from '@modelfn/model-builder';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scriptAnswer } from './support/script-answer.js';
import { createScorer, readSettings, type Scorer } from '../src/index.js';
import { scratchRepository } from './support/models.js';

// A real SDK with an in-memory exporter, registered as an app's telemetry module would.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

const SCRIPT = `
export async function run(request, context) {
  const values = request.json().values;
  const out = await context.infer('model.onnx', {
    x: { name: 'x', datatype: 'FP32', shape: [values.length, 1], data: Float32Array.from(values) },
  });
  return Array.from(out.y.data);
}
`;

let repo: ReturnType<typeof scratchRepository>;
let scorer: Scorer;
beforeAll(async () => {
  repo = scratchRepository();
  mkdirSync(join(repo.root, 'script', '1'), { recursive: true });
  writeFileSync(join(repo.root, 'script', '1', 'model.onnx'), identityModel('FP32', [null, 1]));
  writeFileSync(join(repo.root, 'script', 'score.js'), SCRIPT);
  scorer = await createScorer(
    readSettings({ MODEL_REPOSITORY: repo.root, DEFAULT_MODEL: 'mnist', CACHE_MODE: 'memory' }),
  );
});
afterAll(async () => {
  await scorer?.close();
  repo?.cleanup();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

const row = (v: number) => Array.from({ length: 784 }, (_, i) => ((i * 7 + v) % 11) / 10);
const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

/** Scores inside a parent span (what an app's trigger span is), then waits for the unawaited cache write. */
async function underParent<T>(fn: () => Promise<T>): Promise<{ result: T; traceId: string }> {
  const parent = trace.getTracer('test').startSpan('trigger');
  const result = await context.with(trace.setSpan(context.active(), parent), fn);
  parent.end();
  await new Promise((r) => setTimeout(r, 20));
  return { result, traceId: parent.spanContext().traceId };
}

describe('scoring spans (an SDK registered)', () => {
  it('a miss: decode, cache lookup, queue wait, inference and cache write, in the caller trace', async () => {
    const body = Buffer.from(JSON.stringify({ data: [row(1)] }));
    const { result, traceId } = await underParent(() =>
      scorer.infer({ body, contentType: 'application/json' }),
    );
    expect(result.cache).toBe('miss');
    const spans = exporter.getFinishedSpans();
    for (const name of [
      'modelfn.decode',
      'modelfn.infer',
      'modelfn.cache.lookup',
      'modelfn.queue.wait',
      'modelfn.inference',
      'modelfn.cache.write',
    ]) {
      const [span] = named(spans, name);
      expect(span, name).toBeDefined();
      expect(span.spanContext().traceId, name).toBe(traceId);
      expect(span.attributes['modelfn.model'], name).toBe('mnist');
    }
    expect(named(spans, 'modelfn.infer')[0].attributes).toMatchObject({
      'modelfn.model.version': '1',
      'modelfn.cache': 'miss',
      'modelfn.rows': 1,
    });
    const [inference] = named(spans, 'modelfn.inference');
    expect(inference.attributes['modelfn.model.version']).toBe('1');
    // Placement is measured (a loaded machine may move mnist to the pool): the span says where it ran.
    expect(inference.attributes['modelfn.placement']).toMatch(/^(inline|moving|pool)$/);
    expect(named(spans, 'modelfn.cache.lookup')[0].attributes['modelfn.cache.found']).toBe(0);
  });

  it('a hit: lookup and infer say hit, and nothing waits for or runs the model', async () => {
    const body = Buffer.from(JSON.stringify({ data: [row(2)] }));
    await scorer.infer({ body, contentType: 'application/json', bypassCache: false });
    await new Promise((r) => setTimeout(r, 20));
    exporter.reset();
    const { result } = await underParent(() => scorer.infer({ object: { data: [row(2)] } }));
    expect(result.cache).toBe('hit');
    const spans = exporter.getFinishedSpans();
    expect(named(spans, 'modelfn.infer')[0].attributes['modelfn.cache']).toBe('hit');
    expect(named(spans, 'modelfn.cache.lookup')[0].attributes['modelfn.cache.found']).toBe(1);
    expect(named(spans, 'modelfn.queue.wait')).toHaveLength(0);
    expect(named(spans, 'modelfn.inference')).toHaveLength(0);
  });

  it('an entry script run: its span carries the model, version and cache outcome', async () => {
    const body = Buffer.from(JSON.stringify({ values: [1, 2] }));
    const { result, traceId } = await underParent(() =>
      scriptAnswer(scorer, { trigger: 'http', body, contentType: 'application/json', model: 'script' }),
    );
    expect(result.body).toEqual([1, 2]);
    const [run] = named(exporter.getFinishedSpans(), 'modelfn.entry.run');
    expect(run.spanContext().traceId).toBe(traceId);
    // The script's context.infer (served for its thread by a message listener) runs under the run's span.
    const [infer] = named(exporter.getFinishedSpans(), 'modelfn.infer');
    expect(infer.attributes['modelfn.model']).toBe('script/model.onnx');
    expect(infer.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(run.attributes).toMatchObject({
      'modelfn.model': 'script',
      'modelfn.model.version': '1',
      'modelfn.cache': 'miss',
    });
  });

  it('a failed decode is an error span, and the error still reaches the caller', async () => {
    await expect(
      scorer.infer({ body: Buffer.from('{"data": [[1, 2]]}'), contentType: 'application/json' }),
    ).rejects.toMatchObject({ code: 'INVALID_SHAPE' });
    const [decode] = named(exporter.getFinishedSpans(), 'modelfn.decode');
    expect(decode.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(decode.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
