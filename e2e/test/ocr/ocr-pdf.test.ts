import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { charAccuracy } from './accuracy.js';
import { ortContext, type OrtContext } from './ort-context.js';
import { PAGE_TEXTS, renderPage, type Page } from './pages.js';
import { assemblePdf, bombPdf, cjkTextPdf, encryptedPdf, makePdf, textLayout } from '@modelfn/model-builder';
import { errorOf, httpRequest, modelModule, type OcrScript } from './support.js';

// PDFs and multi-page TIFFs through the OCR entry script, over plain onnxruntime sessions (ort-context.ts):
// text layers read exactly, scanned pages rendered and read, both in one document, each page cached on
// its own, and every bound and hostile document refused with its code. Through the host: ocr-pdf-host.test.ts.

interface DocumentAnswer {
  text: string;
  pages: {
    page: number;
    width: number;
    height: number;
    source: 'text' | 'ocr';
    rotation: number;
    lines: { text: string; confidence: number; box: [number, number][] }[];
  }[];
}

let score: OcrScript;
let ctx: OrtContext;
let letter: Page;
let story: Page;

const readDoc = async (body: Buffer, type: string | undefined = 'application/pdf', c: OrtContext = ctx) =>
  (await score.run(httpRequest(body, type), c)) as unknown as DocumentAnswer;
const detCalls = () => ctx.inferCalls.filter((c) => c.session === 'det.onnx').length;

/** Runs `fn` with app settings set, as an operator would set them on the Function app. */
async function withSettings<T>(settings: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

beforeAll(async () => {
  score = await modelModule<OcrScript>('score.ts');
  [ctx, letter, story] = await Promise.all([
    ortContext(),
    renderPage('letter', PAGE_TEXTS.letter),
    renderPage('story', PAGE_TEXTS.story),
  ]);
  await score.init(ctx);
});

describe('PDF input', () => {
  it('reads a text layer exactly, with boxes from the page coordinates and no model run', async () => {
    ctx.reset();
    const answer = await readDoc(await makePdf([{ kind: 'text', lines: PAGE_TEXTS.invoice, size: 14 }]));
    expect(answer.text).toBe(PAGE_TEXTS.invoice.join('\n'));
    expect(ctx.inferCalls).toHaveLength(0);
    const [page] = answer.pages;
    // US Letter at the default 150 dpi.
    expect(page).toMatchObject({ page: 1, width: 1275, height: 1650, source: 'text', rotation: 0 });
    expect(page.lines.map((l) => l.confidence)).toEqual(PAGE_TEXTS.invoice.map(() => 1));
    // Line 2: x = 72 pt, baseline 697.6 pt from the bottom, Helvetica 14 pt; 150/72 pixels per point.
    const s = 150 / 72;
    const { x, baseline } = textLayout(14, 1);
    const [tl, tr, br, bl] = page.lines[1].box;
    // Within a pixel: the viewport's transform and the rounding of x.5 to a whole pixel.
    expect(Math.abs(tl[0] - x * s)).toBeLessThanOrEqual(1);
    expect(Math.abs(bl[1] - (792 - baseline + 0.2 * 14) * s)).toBeLessThanOrEqual(1);
    expect(Math.abs(tl[1] - (792 - baseline - 0.8 * 14) * s)).toBeLessThanOrEqual(1);
    // The line's width is Helvetica's advance widths of "Date: 12 March 2024" (130.73 pt at 14 pt).
    expect(tr[0] - tl[0]).toBeGreaterThan(130 * s - 2);
    expect(tr[0] - tl[0]).toBeLessThan(131 * s + 2);
    expect(br[1]).toBe(bl[1]);
  });

  it('renders a scanned page and reads it with the OCR pipeline', async () => {
    ctx.reset();
    const answer = await readDoc(await makePdf([{ kind: 'scan', png: letter.png }]));
    const [page] = answer.pages;
    expect(page.source).toBe('ocr');
    // The scan is embedded at 150 dpi and rendered at 150 dpi: the page has the PNG's size.
    const { width, height } = await sharp(letter.png).metadata();
    expect([page.width, page.height]).toEqual([width, height]);
    expect(charAccuracy(letter.lines.join('\n'), answer.text)).toBeGreaterThanOrEqual(0.95);
    expect(page.lines).toHaveLength(letter.lines.length);
    expect(detCalls()).toBe(1);
  });

  it('reads a document that mixes both, page by page, and reuses a scanned page another document had', async () => {
    ctx.reset();
    const mixed = await makePdf([
      { kind: 'text', lines: PAGE_TEXTS.invoice },
      { kind: 'scan', png: letter.png },
      { kind: 'text', lines: PAGE_TEXTS.numbers },
    ]);
    const answer = await readDoc(mixed, undefined); // untyped, as a blob or a message: by its signature
    expect(answer.pages.map((p) => [p.page, p.source])).toEqual([
      [1, 'text'],
      [2, 'ocr'],
      [3, 'text'],
    ]);
    expect(answer.pages[0].lines.map((l) => l.text)).toEqual(PAGE_TEXTS.invoice);
    expect(answer.pages[2].lines.map((l) => l.text)).toEqual(PAGE_TEXTS.numbers);
    expect(
      charAccuracy(letter.lines.join('\n'), answer.pages[1].lines.map((l) => l.text).join('\n')),
    ).toBeGreaterThanOrEqual(0.95);
    expect(answer.text).toBe(answer.pages.map((p) => p.lines.map((l) => l.text).join('\n')).join('\n\n'));
    expect(detCalls()).toBe(1);

    // Another document with the same scanned page and a new one: only the new page is detected.
    ctx.inferCalls.length = 0;
    const other = await readDoc(
      await makePdf([
        { kind: 'scan', png: story.png },
        { kind: 'scan', png: letter.png },
      ]),
    );
    expect(detCalls()).toBe(1);
    expect(other.pages[1]).toEqual(answer.pages[1]);
    // The same document again: one cache lookup answers it.
    ctx.inferCalls.length = 0;
    expect(await readDoc(mixed)).toEqual(answer);
    expect(ctx.inferCalls).toHaveLength(0);
  });

  it('reads a Chinese text layer (a CJK font through a predefined CMap) exactly', async () => {
    ctx.reset();
    const lines = ['发票号码 2024-0917', '合计金额：193.93 元'];
    const answer = await readDoc(cjkTextPdf(lines));
    expect(answer.pages[0].source).toBe('text');
    expect(answer.text).toBe(lines.join('\n'));
    expect(ctx.inferCalls).toHaveLength(0);
  });

  it('reads a scan with a stamped line of text by OCR, stamp included, and a searchable scan by its layer', async () => {
    ctx.reset();
    const stamped = await readDoc(await makePdf([{ kind: 'scan', png: letter.png, stamp: 'Page 1 of 1' }]));
    expect(stamped.pages[0].source).toBe('ocr');
    const expected = [...letter.lines, 'Page 1 of 1'].join('\n');
    expect(charAccuracy(expected, stamped.text)).toBeGreaterThanOrEqual(0.95);
    // An image under a full text layer (as a scanner's "searchable PDF"): the layer is the text.
    ctx.inferCalls.length = 0;
    const searchable = await readDoc(await makePdf([{ kind: 'scan', png: letter.png, layer: letter.lines }]));
    expect(searchable.pages[0].source).toBe('text');
    expect(searchable.text).toBe(letter.lines.join('\n'));
    expect(ctx.inferCalls).toHaveLength(0);
  });

  it('reads a page turned by /Rotate in reading order and says its rotation', async () => {
    const answer = await readDoc(await makePdf([{ kind: 'text', lines: PAGE_TEXTS.letter, rotate: 90 }]));
    const [page] = answer.pages;
    expect(page).toMatchObject({ width: 1650, height: 1275, source: 'text', rotation: 90 });
    expect(page.lines.map((l) => l.text)).toEqual(PAGE_TEXTS.letter);
    // Turned 90° clockwise: the first line is the rightmost column, read top to bottom.
    const [tl, tr] = page.lines[0].box;
    expect(tr[1]).toBeGreaterThan(tl[1]);
    expect(tl[0]).toBeGreaterThan(page.lines[1].box[0][0]);
  });
});

describe('multi-page TIFF', () => {
  it('reads every page of a multi-page TIFF, each cached on its own', async () => {
    ctx.reset();
    // Two pages of one size (libvips writes a TIFF page per page-height of a tall image).
    const width = 1000;
    const pages = await Promise.all(
      [letter, story].map((p) =>
        sharp(p.png)
          .resize({ width, height: 420, fit: 'contain', position: 'top', background: '#fff' })
          .png()
          .toBuffer(),
      ),
    );
    const tiff = await sharp(pages, { join: { animated: true } })
      .tiff()
      .toBuffer();
    expect((await sharp(tiff).metadata()).pages).toBe(2);
    const answer = await readDoc(tiff, 'image/tiff');
    expect(answer.pages.map((p) => [p.page, p.source, p.width, p.height])).toEqual([
      [1, 'ocr', width, 420],
      [2, 'ocr', width, 420],
    ]);
    expect(
      charAccuracy(letter.lines.join('\n'), answer.pages[0].lines.map((l) => l.text).join('\n')),
    ).toBeGreaterThanOrEqual(0.95);
    expect(
      charAccuracy(story.lines.join('\n'), answer.pages[1].lines.map((l) => l.text).join('\n')),
    ).toBeGreaterThanOrEqual(0.95);
    // The same pages in another file, in the other order: both found by their pixels, none detected again.
    ctx.inferCalls.length = 0;
    const swapped = await sharp([pages[1], pages[0]], { join: { animated: true } })
      .tiff()
      .toBuffer();
    const again = await readDoc(swapped, undefined);
    expect(detCalls()).toBe(0);
    expect(again.pages.map((p) => p.lines)).toEqual([answer.pages[1].lines, answer.pages[0].lines]);
    // A single-page TIFF keeps the single-image answer.
    const single = (await score.run(
      httpRequest(await sharp(pages[0]).tiff().toBuffer(), 'image/tiff'),
      ctx,
    )) as unknown as {
      lines: unknown[];
      pages?: unknown;
    };
    expect(single.pages).toBeUndefined();
    expect(single.lines.length).toBe(letter.lines.length);
  });
});

describe('bounds and hostile PDFs', () => {
  it('refuses too many pages, too many pixels a page and too many bytes, each with its code', async () => {
    const three = await makePdf([
      { kind: 'text', lines: ['one'] },
      { kind: 'text', lines: ['two'] },
      { kind: 'text', lines: ['three'] },
    ]);
    await withSettings({ OCR_MAX_PAGES: '2' }, async () => {
      const e = await errorOf(readDoc(three));
      expect(e).toMatchObject({ code: 'TOO_MANY_PAGES' });
      expect(e.message).toContain('OCR_MAX_PAGES');
    });
    const scan = await makePdf([{ kind: 'scan', png: letter.png }]);
    await withSettings({ OCR_MAX_PAGE_PIXELS: '100000' }, async () => {
      const e = await errorOf(readDoc(scan));
      expect(e).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
      expect(e.message).toContain('OCR_MAX_PAGE_PIXELS');
    });
    await withSettings({ OCR_MAX_DOCUMENT_BYTES: String(three.length - 1) }, async () => {
      expect(await errorOf(readDoc(three))).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
    });
    // A page tree that claims a billion pages: pdf.js counts the pages it has (3), and they are read.
    const claimed = Buffer.from(three.toString('latin1').replace('/Count 3', '/Count 1000000000'), 'latin1');
    expect((await readDoc(claimed)).pages.map((p) => p.lines[0].text)).toEqual(['one', 'two', 'three']);
  });

  it('refuses an encrypted PDF', async () => {
    const e = await errorOf(readDoc(encryptedPdf()));
    expect(e).toMatchObject({ code: 'ENCRYPTED_DOCUMENT' });
    expect(e.message).toMatch(/password/);
  });

  it('refuses malformed PDFs', async () => {
    const cases: [Buffer, string | undefined][] = [
      [Buffer.from('%PDF-1.7\nnothing a reader could use\n%%EOF\n', 'latin1'), 'application/pdf'],
      [
        Buffer.from(
          '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF',
          'latin1',
        ),
        undefined,
      ],
      [Buffer.from('not a pdf at all'), 'application/pdf'],
    ];
    for (const [body, type] of cases) {
      expect(await errorOf(readDoc(body, type))).toMatchObject({ code: 'UNDECODABLE_DOCUMENT' });
    }
  });

  it('refuses a decompression bomb before pdf.js inflates it', async () => {
    // 300 MB of content stream in 300 KB of file, over the default 256 MiB of decoded streams.
    const bomb = await bombPdf(300 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const e = await errorOf(readDoc(bomb));
    expect(e).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
    expect(e.message).toContain('OCR_MAX_DECODED_BYTES');
    // The same, deflated twice: a few KB whose first layer is small, every layer counted.
    const nested = await bombPdf(300 * 1024 * 1024, 2);
    expect(nested.length).toBeLessThan(16 * 1024);
    expect(await errorOf(readDoc(nested))).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
    // Behind filters that shrink (hex) or expand otherwise (LZW, run-length), each decoded and counted.
    for (const filter of ['ASCIIHexDecode', 'LZWDecode', 'RunLengthDecode'] as const) {
      const hidden = await bombPdf(300 * 1024 * 1024, 1, filter);
      expect({ filter, code: (await errorOf(readDoc(hidden))).code }).toEqual({
        filter,
        code: 'DOCUMENT_TOO_LARGE',
      });
    }
    // A stream that inflates within the budget is read.
    const fine = await readDoc(assembleSmallDoc());
    expect(fine.text).toBe('');
  });
});

/** A one-page PDF with an empty content stream: no text layer, a blank page to render (no lines). */
function assembleSmallDoc(): Buffer {
  return assemblePdf([
    { value: '<< /Type /Catalog /Pages 2 0 R >>' },
    { value: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    { value: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>' },
    { value: '<< >>', stream: Buffer.from(' ', 'latin1') },
  ]);
}
