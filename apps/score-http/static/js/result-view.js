// @ts-check
// Shows what /score answered: the label or text, top-k bars, OCR pages with their boxes, an image answer
// beside the sent image, the raw JSON.
import { clearDetections, isDetections, showDetections, summary } from './detection-view.js';
import { clearImageAnswer, showImageAnswer } from './image-answer-view.js';
import { ocrPageViews, singlePage } from './ocr-pages.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @typedef {{ label: unknown, probability: number }} Scored
 * @typedef {import('./ocr-pages.js').OcrPage} OcrPage
 * @typedef {{ text: string, lines: import('./ocr-pages.js').OcrLine[], rotation?: number }} OcrAnswer
 * @typedef {{ text: string, pages: OcrPage[] }} OcrDocument
 */

/** The page image's object URL shown now, revoked when the result is cleared. */
let pictureUrl = /** @type {string | undefined} */ (undefined);

/** @param {unknown} body @returns {body is Scored[][]} */
function isTopK(body) {
  return (
    Array.isArray(body) &&
    Array.isArray(body[0]) &&
    typeof body[0][0] === 'object' &&
    body[0][0] !== null &&
    'probability' in body[0][0]
  );
}

/** @param {unknown} body @returns {body is OcrAnswer} */
function isOcr(body) {
  return typeof body === 'object' && body !== null && Array.isArray(/** @type {any} */ (body).lines);
}

/**
 * A PDF's or a multi-page TIFF's answer: `{text, pages: [{page, width, height, ..., lines}]}`.
 * @param {unknown} body
 * @returns {body is OcrDocument}
 */
function isOcrDocument(body) {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (/** @type {any} */ (body).text) === 'string' &&
    Array.isArray(/** @type {any} */ (body).pages)
  );
}

/** Clears the result area. */
export function clearResult() {
  $('prediction').textContent = '';
  clearDetections($('detections'));
  clearImageAnswer($('image-answer'));
  $('bars').replaceChildren();
  $('ocr').hidden = true;
  $('ocr-pages').replaceChildren();
  $('prediction').classList.remove('text');
  if (pictureUrl) URL.revokeObjectURL(pictureUrl);
  pictureUrl = undefined;
  $('raw-box').hidden = true;
  for (const id of ['used-model', 'cache', 'latency']) $(id).textContent = '–';
}

/**
 * @param {unknown} body
 * @param {Headers} headers
 * @param {number} ms
 * @param {Blob | undefined} image what was sent, for drawing OCR boxes on it
 * @param {import('./image-answer-view.js').ImageAnswerMeta} [pictured] set when an image was asked for
 */
export async function showResult(body, headers, ms, image, pictured) {
  clearResult();
  $('used-model').textContent = headers.get('x-model') ?? '–';
  $('cache').textContent = headers.get('x-cache') ?? '–';
  $('latency').textContent = `${ms.toFixed(1)} ms`;
  $('raw').textContent = body instanceof Blob ? rawImage(body, headers) : JSON.stringify(body, null, 2);
  $('raw-box').hidden = false;
  if (body instanceof Blob && pictured) {
    const output = headers.get('x-output-name') ?? pictured.output;
    const model = headers.get('x-model') ?? 'answer';
    $('prediction').textContent = await showImageAnswer($('image-answer'), body, image, {
      model,
      output: decodeURIComponent(output),
      mode: pictured.mode,
    });
  } else if (isTopK(body)) {
    const top = body[0];
    $('prediction').textContent = String(top[0]?.label ?? '');
    $('bars').replaceChildren(...top.map(bar));
  } else if (isOcr(body)) {
    await showPages(body.text, [await singlePage(body, image)], image);
  } else if (isOcrDocument(body)) {
    await showPages(body.text, body.pages, image);
  } else if (isDetections(body) && image) {
    $('prediction').textContent = summary(body[0]);
    await showDetections($('detections'), body[0], image);
  } else if (Array.isArray(body) && body.length === 1) {
    const only = body[0];
    $('prediction').textContent = typeof only === 'object' ? JSON.stringify(only) : String(only);
  } else {
    $('prediction').textContent = JSON.stringify(body);
  }
}

/**
 * What the Response box says of an image answer: its headers, not its bytes.
 * @param {Blob} body
 * @param {Headers} headers
 */
function rawImage(body, headers) {
  const lines = ['content-type', 'x-output-name', 'x-model', 'x-cache'].map(
    (h) => `${h}: ${headers.get(h) ?? ''}`,
  );
  return [...lines, `${body.size} bytes`].join('\n');
}

/** @param {Scored} s */
function bar(s) {
  const row = document.createElement('div');
  row.className = 'bar';
  const name = document.createElement('span');
  name.textContent = String(s.label);
  const track = document.createElement('span');
  track.className = 'track';
  const fill = document.createElement('span');
  fill.style.width = `${(s.probability * 100).toFixed(1)}%`;
  track.append(fill);
  const value = document.createElement('span');
  value.textContent = `${(s.probability * 100).toFixed(1)} %`;
  row.append(name, track, value);
  return row;
}

/**
 * The text, and every page with its line boxes (the image as sent under them when it is one page).
 * @param {string} text
 * @param {OcrPage[]} pages
 * @param {Blob | undefined} image
 */
async function showPages(text, pages, image) {
  const { views, url } = await ocrPageViews(pages, image);
  pictureUrl = url;
  $('prediction').textContent = text;
  $('prediction').classList.add('text');
  $('ocr-pages').replaceChildren(...views);
  $('ocr').dataset.pages = String(pages.length);
  $('ocr').hidden = false;
}
