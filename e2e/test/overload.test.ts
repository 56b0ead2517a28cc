import { renderTextPage, textLine, type TextPage } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type System } from './support/system.js';

// A flood well past what the OCR model can run (issue 19 item 3): the host sheds the excess with 503
// OVERLOADED and Retry-After instead of queueing it, answers everything it took, and its memory stays
// bounded; once the flood is over it serves normally again.
const FLOOD = 120;

describe('overload under npm start: bounded model queues', () => {
  let sys: System;
  let pages: TextPage[];

  beforeAll(async () => {
    sys = await startSystem(undefined, {
      LOCAL_HOST_WORKERS: '1',
      MODEL_QUEUE_MAX_ROWS: '8',
      MODELS: 'mnist,ocr',
    });
    pages = await Promise.all(
      [0, 1, 2].map((p) => renderTextPage(`flood-${p}`, [textLine(800 + p * 2), textLine(801 + p * 2)])),
    );
  }, 90_000);

  afterAll(async () => {
    expect(await sys?.stop()).toBe(0);
  });

  const read = (page: TextPage) =>
    fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-model': 'ocr', 'cache-control': 'no-cache' },
      body: page.png,
    });

  it('sheds what it cannot queue with 503 OVERLOADED and Retry-After, and answers the rest', async () => {
    const rssBefore = sys.peakRss();
    const responses = await Promise.all(
      Array.from({ length: FLOOD }, (_, i) => read(pages[i % pages.length])),
    );
    const bodies = await Promise.all(
      responses.map((r) => r.json() as Promise<{ text?: string; code?: string }>),
    );
    const statuses = responses.map((r) => r.status);
    const shed = responses.filter((r) => r.status === 503);
    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    expect(shed.length).toBeGreaterThan(FLOOD / 4);
    // 1 s from the count bound; the time bound (MODEL_QUEUE_MAX_WAIT_MS) gives its predicted wait, 1-60 s.
    for (const r of shed) expect(r.headers.get('retry-after')).toMatch(/^([1-9]|[1-5][0-9]|60)$/);
    for (const [i, b] of bodies.entries()) {
      if (statuses[i] === 503) expect(b.code).toBe('OVERLOADED');
      else expect(b.text).toBe(pages[i % pages.length].lines.join('\n'));
    }
    // Everything refused was refused before it decoded a page: the flood costs little memory.
    expect(sys.peakRss() - rssBefore).toBeLessThan(400 * 2 ** 20);
    const metrics = await (await fetch(`${sys.url}/metrics`)).text();
    expect(metrics).toMatch(/modelfn_queue_shed_total\{model="ocr[^"]*"\} [1-9]/);
  }, 120_000);

  it('serves normally once the flood is over', async () => {
    const r = await read(pages[0]);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { text: string }).text).toBe(pages[0].lines.join('\n'));
  });
});
