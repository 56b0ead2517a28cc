// @ts-check
// The OCR model's pages: each page with its line boxes, and the lines' text beside it. A page sent as an
// image is drawn under its boxes; a PDF's or a multi-page TIFF's pages, which the browser cannot draw here
// without a PDF renderer, are white sheets of the page's size with each line's text written in its box.
import { box, sheet, svg } from './svg-boxes.js';

/**
 * @typedef {{ text: string, confidence: number, box: number[][] }} OcrLine
 * @typedef {{ page: number, width: number, height: number, source?: string, rotation?: number, lines: OcrLine[] }} OcrPage
 */

/** @param {number[]} a @param {number[]} b */
const dist = (a, b) => Math.hypot(b[0] - a[0], b[1] - a[1]);

/**
 * The line's text in its box, along the box's top edge (a page turned 90° has its text running down), its
 * height a little under the box's and stretched to the box's length.
 * @param {OcrLine} line
 */
function textInBox(line) {
  const [tl, tr, , bl] = line.box;
  const length = dist(tl, tr);
  const height = dist(tl, bl);
  const angle = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
  const t = svg('text', {
    x: 0,
    y: -0.22 * height,
    'font-size': (0.72 * height).toFixed(1),
    transform: `translate(${bl[0]} ${bl[1]}) rotate(${angle.toFixed(2)})`,
  });
  if (length > 0) {
    t.setAttribute('textLength', length.toFixed(1));
    t.setAttribute('lengthAdjust', 'spacingAndGlyphs');
  }
  t.textContent = line.text;
  return t;
}

/** @param {OcrPage} p */
function caption(p) {
  const source = p.source === 'text' ? 'text layer' : p.source === 'ocr' ? 'OCR' : undefined;
  const turn = p.rotation ? `turned ${p.rotation}°, read upright` : 'upright';
  const lines = `${p.lines.length} line${p.lines.length === 1 ? '' : 's'}`;
  return [`Page ${p.page}`, source, `${p.width} × ${p.height} px`, turn, lines].filter(Boolean).join(' · ');
}

/**
 * One page's view: the sheet (or picture) with a box per line, and the lines as a list; pointing at a
 * line in either highlights it in both.
 * @param {OcrPage} p
 * @param {string} [picture] the page's image URL, when the page was sent as an image the browser draws
 */
function pageView(p, picture) {
  const figure = document.createElement('figure');
  figure.className = 'ocr-page';
  figure.dataset.testid = 'ocr-page';
  figure.dataset.page = String(p.page);
  figure.dataset.lines = String(p.lines.length);
  const title = document.createElement('figcaption');
  title.textContent = caption(p);
  const page = sheet(p.width, p.height, picture);
  page.classList.add('ocr-sheet');
  page.setAttribute('role', 'img');
  page.setAttribute('aria-label', caption(p));
  const boxes = svg('g', { class: 'ocr-boxes' });
  const texts = svg('g', { class: 'ocr-texts' });
  const list = document.createElement('ol');
  list.className = 'ocr-lines';
  p.lines.forEach((line, i) => {
    const confidence = `${(line.confidence * 100).toFixed(1)} %`;
    const poly = box(line.box, `${line.text} (${confidence})`);
    poly.dataset.line = String(i);
    boxes.append(poly);
    if (!picture) texts.append(textInBox(line));
    const item = document.createElement('li');
    item.dataset.line = String(i);
    const text = document.createElement('span');
    text.textContent = line.text;
    const conf = document.createElement('span');
    conf.className = 'muted';
    conf.textContent = confidence;
    item.append(text, ' ', conf);
    list.append(item);
    /** @param {boolean} on */
    const hot = (on) => {
      poly.classList.toggle('hot', on);
      item.classList.toggle('hot', on);
    };
    for (const el of [poly, item]) {
      el.addEventListener('mouseenter', () => hot(true));
      el.addEventListener('mouseleave', () => hot(false));
    }
  });
  page.append(texts, boxes);
  const body = document.createElement('div');
  body.className = 'ocr-page-body';
  body.append(page, list);
  figure.append(title, body);
  return figure;
}

/**
 * The pages of an answer, top to bottom. `image` is what was sent when it was one picture: it is drawn
 * under the boxes of a one-page answer if the browser can decode it (a TIFF it cannot: a white sheet).
 * @param {OcrPage[]} pages
 * @param {Blob | undefined} image
 * @returns {Promise<{ views: HTMLElement[], url?: string }>} the views, and the object URL to revoke later
 */
export async function ocrPageViews(pages, image) {
  /** @type {string | undefined} */
  let url;
  if (image && pages.length === 1 && image.type.startsWith('image/')) {
    const fits = await createImageBitmap(image).then(
      (b) => {
        const same = b.width === pages[0].width && b.height === pages[0].height;
        b.close();
        return same;
      },
      () => false,
    );
    if (fits) url = URL.createObjectURL(image);
  }
  return { views: pages.map((p) => pageView(p, url)), url };
}

/**
 * A single image's answer (`{text, lines}`, no page size) as one page: its size from the image when the
 * browser decodes it, else the extent of its boxes.
 * @param {{ lines: OcrLine[], rotation?: number }} answer
 * @param {Blob | undefined} image
 * @returns {Promise<OcrPage>}
 */
export async function singlePage(answer, image) {
  const size = image
    ? await createImageBitmap(image).then(
        (b) => {
          const s = { width: b.width, height: b.height };
          b.close();
          return s;
        },
        () => undefined,
      )
    : undefined;
  const corners = answer.lines.flatMap((l) => l.box);
  return {
    page: 1,
    width: size?.width ?? Math.ceil(Math.max(1, ...corners.map((p) => p[0]))),
    height: size?.height ?? Math.ceil(Math.max(1, ...corners.map((p) => p[1]))),
    rotation: answer.rotation,
    lines: answer.lines,
  };
}
