import { resolve } from 'node:path';
import {
  createScorer,
  readSettings,
  type EntryResult,
  type Scorer,
  type TriggerInferRequest,
} from '@modelfn/scoring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from './accuracy.js';
import { PAGE_TEXTS, renderPage, type Page } from './pages.js';
import { bombPdf, encryptedPdf, makePdf } from '@modelfn/model-builder';
import { errorOf } from './support.js';

// PDFs through the real scorer, as each trigger hands them over: HTTP with its media type, a blob or a
// message without one (recognised by %PDF-). The entry script runs in the host's script threads; its
// refusals come out as the host's errors with their HTTP status, and a hostile document leaves the host
// serving.

let scorer: Scorer;
let letter: Page;
let mixed: Buffer;
const MAX_PAGES = 3;
const savedMaxPages = process.env.OCR_MAX_PAGES;

/** A trigger's request, bytes with or without a media type. */
type Request = Pick<TriggerInferRequest, 'trigger' | 'blobName'> & { body: Buffer; contentType?: string };

async function run(req: Request): Promise<EntryResult> {
  const answer = await scorer.infer({ ...req, model: 'ocr' });
  if ('outputs' in answer) throw new Error('the ocr model answered without its entry script');
  return answer;
}

const pdf = (body: Buffer) => run({ trigger: 'http', body, contentType: 'application/pdf' });

beforeAll(async () => {
  // An app setting as the Function app would have it, set before the host (and its script threads) start.
  process.env.OCR_MAX_PAGES = String(MAX_PAGES);
  letter = await renderPage('letter', PAGE_TEXTS.letter);
  mixed = await makePdf([
    { kind: 'text', lines: PAGE_TEXTS.invoice },
    { kind: 'scan', png: letter.png },
  ]);
  const models = resolve(import.meta.dirname, '../../../models');
  scorer = await createScorer(readSettings({ MODEL_REPOSITORY: models, CACHE_MODE: 'memory' }));
});
afterAll(async () => {
  await scorer?.close();
  if (savedMaxPages === undefined) delete process.env.OCR_MAX_PAGES;
  else process.env.OCR_MAX_PAGES = savedMaxPages;
});

describe('PDFs through the host', () => {
  it('reads a PDF over HTTP, then as a blob and as a message (by its signature) from the cache', async () => {
    const first = await pdf(mixed);
    expect([first.status, first.cache]).toEqual([200, 'miss']);
    const body = first.body as { text: string; pages: { source: string; lines: { text: string }[] }[] };
    expect(body.pages.map((p) => p.source)).toEqual(['text', 'ocr']);
    expect(body.pages[0].lines.map((l) => l.text)).toEqual(PAGE_TEXTS.invoice);
    expect(
      charAccuracy(letter.lines.join('\n'), body.pages[1].lines.map((l) => l.text).join('\n')),
    ).toBeGreaterThanOrEqual(0.95);
    const blob = await run({ trigger: 'blob', body: mixed, blobName: 'images/scan.pdf' });
    expect([blob.status, blob.cache, blob.body]).toEqual([200, 'hit', body]);
    const message = await run({
      trigger: 'servicebus',
      body: mixed,
      contentType: 'application/octet-stream',
    });
    expect([message.status, message.cache, message.body]).toEqual([200, 'hit', body]);
  });

  it('answers hostile and oversized PDFs with their codes and statuses, and keeps serving', async () => {
    const five = await makePdf(['1', '2', '3', '4', '5'].map((t) => ({ kind: 'text' as const, lines: [t] })));
    const cases: [Buffer, string, number][] = [
      [encryptedPdf(), 'ENCRYPTED_DOCUMENT', 400],
      [Buffer.from('%PDF-1.7\nno objects, no xref\n%%EOF\n', 'latin1'), 'UNDECODABLE_DOCUMENT', 400],
      [await bombPdf(300 * 1024 * 1024), 'DOCUMENT_TOO_LARGE', 413],
      [five, 'TOO_MANY_PAGES', 413],
    ];
    for (const [body, code, status] of cases) {
      const e = await errorOf(pdf(body));
      expect({ code: (e as { code?: string }).code, status: (e as { status?: number }).status }).toEqual({
        code,
        status,
      });
    }
    // The host is up and reads the next document.
    const fine = await pdf(await makePdf([{ kind: 'text', lines: ['Still here'] }]));
    expect([fine.status, (fine.body as { text: string }).text]).toEqual([200, 'Still here']);
  });
});
