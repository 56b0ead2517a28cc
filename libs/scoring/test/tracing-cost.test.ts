import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer, readSettings, type Scorer } from '../src/index.js';
import { traced } from '../src/tracing.js';
import { MODELS } from './support/models.js';

// Tracing off (no SDK registered, as when neither APPLICATIONINSIGHTS_CONNECTION_STRING nor
// OTEL_EXPORTER_OTLP_ENDPOINT is set): what the spans cost a cache hit, measured in this process.

let scorer: Scorer;
beforeAll(async () => {
  scorer = await createScorer(readSettings({ MODEL_REPOSITORY: MODELS, CACHE_MODE: 'memory' }));
});
afterAll(() => scorer?.close());

/** Best of a few rounds (the machine is shared): nanoseconds per call. */
async function nsPerCall(n: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / n);
  }
  return best;
}

describe('tracing off', () => {
  it('no SDK is registered: spans are non-recording', () => {
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });

  it('costs a cache hit well under a microsecond per span', async () => {
    const work = async () => 1;
    const bare = () => work();
    const wrapped = () => traced('modelfn.test', { 'modelfn.model': 'm' }, work);
    // Interleaved rounds, best of each, so warm-up and the neighbours' load fall on both alike.
    let perSpan = Infinity;
    for (let round = 0; round < 3; round++) {
      const b = await nsPerCall(200_000, bare);
      const w = await nsPerCall(200_000, wrapped);
      perSpan = Math.min(perSpan, Math.max(0, w - b));
    }

    const body = { data: [Array.from({ length: 784 }, (_, i) => (i % 13) / 13)] };
    await scorer.scoreObject(body);
    await new Promise((r) => setTimeout(r, 20));
    const hit = await nsPerCall(5_000, () => scorer.scoreObject(body));
    // decode, infer and cache lookup: the spans a cache hit goes through.
    const share = (3 * perSpan) / hit;
    console.log(
      `tracing off: ${perSpan.toFixed(0)} ns per span; a cache hit (scoreObject, mnist) ${(hit / 1000).toFixed(1)} µs, ` +
        `its 3 spans ${((3 * perSpan) / 1000).toFixed(2)} µs = ${(share * 100).toFixed(1)} %`,
    );
    expect(perSpan).toBeLessThan(1_000);
    expect(share).toBeLessThan(0.05);
  });
});
