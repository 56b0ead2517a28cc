import { resolve } from 'node:path';
import { createScorer, readSettings, type Scorer } from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from './accuracy.js';
import { PAGE_TEXTS, renderPage, type Page } from './pages.js';
import { errorOf, timed } from './support.js';

// The OCR model as served: the real scorer over the repository's models/ folder (its entry script, the
// packaged ONNX files checked against their pinned sha256, per-row cache-aside in memory).
let scorer: Scorer;
let letter: Page;
let reply: Page;

const ocr = (png: Buffer) =>
  scorer.runEntry({ trigger: 'http', body: png, contentType: 'image/png', model: 'ocr' });

beforeAll(async () => {
  const models = resolve(import.meta.dirname, '../../../models');
  [scorer, letter, reply] = await Promise.all([
    createScorer(readSettings({ MODEL_REPOSITORY: models, CACHE_MODE: 'memory' })),
    renderPage('letter', PAGE_TEXTS.letter),
    // Shares its first three lines with the letter, at the same place on a page of the same size.
    renderPage('reply', [
      ...PAGE_TEXTS.letter.slice(0, 3),
      'We will send a new invoice by email.',
      'Kind regards, the shipping team 24/7.',
    ]),
  ]);
});
afterAll(async () => {
  await scorer?.close();
});

describe('OCR through the scorer', () => {
  it('reads a page, then answers the same page from the cache', async () => {
    const first = await timed(() => ocr(letter.png));
    expect(first.value.status).toBe(200);
    expect(first.value.cache).toBe('miss');
    const body = first.value.body as { text: string; lines: { text: string }[] };
    expect(charAccuracy(letter.lines.join('\n'), body.text)).toBeGreaterThanOrEqual(0.95);
    expect(body.lines).toHaveLength(letter.lines.length);
    const again = await timed(() => ocr(letter.png));
    expect(again.value.cache).toBe('hit');
    expect(again.value.body).toEqual(first.value.body);
    console.log(`scorer: first read ${Math.round(first.ms)} ms, cached ${Math.round(again.ms)} ms`);
  });

  it('reuses the model rows of a page it has read before in other bytes', async () => {
    // The same pixels re-encoded (as a re-upload or a re-saved scan): the page cache, keyed by the bytes,
    // misses; every text line is found in the line cache (the detector runs again: it is not cached).
    const resaved = await sharp(letter.png).png({ compressionLevel: 1 }).toBuffer();
    expect(resaved.equals(letter.png)).toBe(false);
    const r = await ocr(resaved);
    expect(r.cache).toBe('partial');
    expect(r.body).toEqual((await ocr(letter.png)).body);
  });

  it('reads a page that shares lines with an earlier one', async () => {
    // Its shared lines are cache hits only when their crops come out pixel for pixel the same, and
    // PP-OCRv4's detector sees the whole page (squeeze-excitation pools it globally), so a change
    // elsewhere can move a box by a pixel or two: a hit is likely, not certain, hence not asserted.
    const r = await ocr(reply.png);
    expect(['miss', 'partial']).toContain(r.cache);
    expect(charAccuracy(reply.lines.join('\n'), (r.body as { text: string }).text)).toBeGreaterThanOrEqual(
      0.95,
    );
  });

  it('answers a broken image with UNDECODABLE_IMAGE (400)', async () => {
    const e = await errorOf(ocr(letter.png.subarray(0, 100)));
    expect(e).toMatchObject({ code: 'UNDECODABLE_IMAGE', status: 400 });
    const json = await errorOf(
      scorer.runEntry({
        trigger: 'http',
        body: Buffer.from('{}'),
        contentType: 'application/json',
        model: 'ocr',
      }),
    );
    expect(json).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
  });
});
