import { resolve } from 'node:path';
import {
  createScorer,
  metrics,
  readSettings,
  type EntryResult,
  type Scorer,
  type TriggerInferRequest,
} from '@modelfn/scoring';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from './accuracy.js';
import { PAGE_TEXTS, renderLines, renderPage, type Page } from './pages.js';
import { errorOf, timed } from './support.js';

// The OCR model as served: the real scorer over the repository's models/ folder (its entry script, the
// packaged ONNX files checked against their pinned sha256, per-row cache-aside in memory).
let scorer: Scorer;
let letter: Page;
let reply: Page;

/** A request as the HTTP trigger makes it, answered by the model's entry script. */
async function run(req: TriggerInferRequest): Promise<EntryResult> {
  const answer = await scorer.infer(req);
  if ('outputs' in answer) throw new Error('the ocr model answered without its entry script');
  return answer;
}

const ocr = (png: Buffer) => run({ trigger: 'http', body: png, contentType: 'image/png', model: 'ocr' });

/** Rows rec.onnx has run so far in this process (the host's modelfn_batch_rows histogram's sum). */
async function recRows(): Promise<number> {
  const { values } = await metrics.batchRows.get();
  const sum = values.find(
    (v) => v.metricName === 'modelfn_batch_rows_sum' && v.labels.model === 'ocr/rec.onnx',
  );
  return sum?.value ?? 0;
}

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

  it('reads a page that shares lines with an earlier one, running only its other lines', async () => {
    // The letter's first three lines at the same places on a page of the same size: the detector, which
    // pools the whole page, may still move their boxes; the lines are keyed by their ink, not their crop.
    const before = await recRows();
    const r = await ocr(reply.png);
    expect(r.cache).toBe('partial');
    expect((r.body as { text: string }).text).toBe(reply.lines.join('\n'));
    expect((await recRows()) - before).toBe(2);
  });

  it('reuses the lines of another page at other heights, on a page of another size', async () => {
    const size = 27; // a size no earlier page uses: the first page is all new
    const [first, second] = await Promise.all([
      renderLines(
        'memo',
        PAGE_TEXTS.letter.map((text, i) => ({ text, baseline: 80 + i * 50, size })),
        400,
      ),
      renderLines(
        'memo reply',
        [
          { text: 'Re: your order of 12 March', baseline: 70, size },
          { text: PAGE_TEXTS.letter[1], baseline: 137, size },
          { text: 'We are sorry for the delay.', baseline: 190, size },
          { text: PAGE_TEXTS.letter[3], baseline: 251, size },
          { text: PAGE_TEXTS.letter[4], baseline: 303, size },
        ],
        460,
      ),
    ]);
    const a = await ocr(first.png);
    expect(a.cache).toBe('miss');
    const before = await recRows();
    const b = await ocr(second.png);
    expect(b.cache).toBe('partial');
    const body = b.body as { text: string; lines: { box: [number, number][] }[] };
    expect(body.text).toBe(second.lines.join('\n'));
    // The two new lines are read; the three shared ones come from the cache.
    expect((await recRows()) - before).toBe(2);
    // Although their boxes are not the earlier boxes moved with the text: their crops differ.
    const boxesA = (a.body as typeof body).lines.map((l) => l.box);
    const moved = [1, 3, 4].filter((i) => {
      const dy = second.baselines[i] - first.baselines[i];
      return body.lines[i].box.some(([x, y], k) => x !== boxesA[i][k][0] || y !== boxesA[i][k][1] + dy);
    });
    expect(moved.length).toBeGreaterThan(0);
  });

  it('answers a broken image with UNDECODABLE_IMAGE (400)', async () => {
    const e = await errorOf(ocr(letter.png.subarray(0, 100)));
    expect(e).toMatchObject({ code: 'UNDECODABLE_IMAGE', status: 400 });
    const json = await errorOf(
      run({
        trigger: 'http',
        body: Buffer.from('{}'),
        contentType: 'application/json',
        model: 'ocr',
      }),
    );
    expect(json).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
  });
});
