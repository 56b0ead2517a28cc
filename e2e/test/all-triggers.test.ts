import { ServiceBusClient } from '@azure/service-bus';
import { renderTextPage } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, upload, waitForBlob } from './support/clients.js';
import { mnist, png, row } from './support/digits.js';
import { startSystem, type System } from './support/system.js';

describe('all three triggers end to end (npm start: redis-server, Azurite, Service Bus emulator, local host)', () => {
  let sys: System;
  let sb: ServiceBusClient;

  beforeAll(async () => {
    sys = await startSystem(undefined, { MODELS: 'mnist,ocr' });
    sb = new ServiceBusClient(sys.servicebus);
  });

  afterAll(async () => {
    await sb?.close();
    const code = await sys?.stop();
    expect(code).toBe(0);
  });

  it('a digit scored over HTTP is a cache hit when it later arrives as a blob and as a message', async () => {
    const i = 3;
    const image = await png(i);
    const http = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: image,
    });
    expect(http.status).toBe(200);
    expect(http.headers.get('x-cache')).toBe('miss');
    expect(await http.json()).toEqual([mnist.labels[i]]);

    await upload(sys.storage, 'digit-3.png', image);
    const result = (await waitForBlob(sys.storage, 'predictions', 'digit-3.png.json')) as Record<
      string,
      unknown
    >;
    expect(result).toMatchObject({
      blob: 'images/digit-3.png',
      model: 'mnist',
      version: '1',
      label: mnist.labels[i],
      cache: 'hit',
    });

    const sender = sb.createSender('scoring-requests');
    await sender.sendMessages({ body: image, contentType: 'image/png', correlationId: 'e2e-png' });
    await sender.sendMessages({ body: { data: [row(i)] }, correlationId: 'e2e-json' });
    await sender.close();
    const got = await replies(sb, ['e2e-png', 'e2e-json']);
    expect(got.get('e2e-png')?.body).toMatchObject({ predictions: [mnist.labels[i]], cache: 'hit' });
    // The JSON row is the same tensor the PNG decodes to, so it shares the entry too.
    expect(got.get('e2e-json')?.body).toMatchObject({ predictions: [mnist.labels[i]], cache: 'hit' });
  });

  it('reads a page with the OCR model on every trigger, then answers it from the cache', async () => {
    const page = await renderTextPage('e2e-page', ['Invoice 2024-0917', 'Total due: 193.93 EUR']);
    const text = page.lines.join('\n');
    const http = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-model': 'ocr' },
      body: page.png,
    });
    expect(http.status).toBe(200);
    expect([http.headers.get('x-cache'), http.headers.get('x-model')]).toEqual(['miss', 'ocr:1']);
    expect(((await http.json()) as { text: string }).text).toBe(text);

    await upload(sys.storage, 'page.png', page.png, 'images', { model: 'ocr' });
    const record = await waitForBlob(sys.storage, 'predictions', 'page.png.json');
    expect(record).toMatchObject({ blob: 'images/page.png', model: 'ocr', cache: 'hit', result: { text } });

    const sender = sb.createSender('scoring-requests');
    await sender.sendMessages({
      body: page.png,
      contentType: 'image/png',
      correlationId: 'e2e-ocr',
      applicationProperties: { model: 'ocr' },
    });
    await sender.close();
    const got = await replies(sb, ['e2e-ocr']);
    expect(got.get('e2e-ocr')?.body).toMatchObject({ model: 'ocr', cache: 'hit', result: { text } });
  });

  it('serves the v2 protocol and reports cache traffic in /metrics', async () => {
    const infer = await fetch(`${sys.url}/v2/models/mnist/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: row(3) }] }),
    });
    expect(infer.status).toBe(200);
    expect(infer.headers.get('x-cache')).toBe('hit');
    const body = (await infer.json()) as { outputs: { name: string; shape: number[] }[] };
    expect(body.outputs[0]).toMatchObject({ name: 'probabilities', shape: [1, 10] });
    const metrics = await (await fetch(`${sys.url}/metrics`)).text();
    expect(metrics).toMatch(/modelfn_cache_rows_total\{model="mnist",result="hit"\} [1-9]/);
  });

  it('scores a batch of blobs and a batch of messages correctly', async () => {
    const n = 40;
    await Promise.all(
      Array.from({ length: n }, async (_, k) => upload(sys.storage, `batch/${k}.png`, await png(100 + k))),
    );
    let right = 0;
    for (let k = 0; k < n; k++) {
      const r = (await waitForBlob(sys.storage, 'predictions', `batch/${k}.png.json`)) as { label: number };
      if (r.label === mnist.labels[100 + k]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.95);

    const sender = sb.createSender('scoring-requests');
    await sender.sendMessages(
      Array.from({ length: n }, (_, k) => ({ body: { data: [row(200 + k)] }, correlationId: `b-${k}` })),
    );
    await sender.close();
    const got = await replies(
      sb,
      Array.from({ length: n }, (_, k) => `b-${k}`),
    );
    expect(got.size).toBe(n);
    const ok = [...got.entries()].filter(
      ([id, m]) =>
        (m.body as { predictions: number[] }).predictions[0] === mnist.labels[200 + Number(id.slice(2))],
    );
    expect(ok.length / n).toBeGreaterThanOrEqual(0.95);
  });
});
