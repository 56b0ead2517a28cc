// @ts-check
// Shows what /score answered: the label or text, top-k bars, an OCR page with its boxes, the raw JSON.
import { clearDetections, isDetections, showDetections, summary } from './detection-view.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @typedef {{ label: unknown, probability: number }} Scored
 * @typedef {{ text: string, lines: { text: string, confidence: number, box: number[][] }[] }} OcrAnswer
 */

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

/** Clears the result area. */
export function clearResult() {
  $('prediction').textContent = '';
  clearDetections($('detections'));
  $('bars').replaceChildren();
  $('ocr').hidden = true;
  $('raw-box').hidden = true;
  for (const id of ['used-model', 'cache', 'latency']) $(id).textContent = '–';
}

/**
 * @param {unknown} body
 * @param {Headers} headers
 * @param {number} ms
 * @param {Blob | undefined} image what was sent, for drawing OCR boxes on it
 */
export async function showResult(body, headers, ms, image) {
  clearResult();
  $('used-model').textContent = headers.get('x-model') ?? '–';
  $('cache').textContent = headers.get('x-cache') ?? '–';
  $('latency').textContent = `${ms.toFixed(1)} ms`;
  $('raw').textContent = JSON.stringify(body, null, 2);
  $('raw-box').hidden = false;
  if (isTopK(body)) {
    const top = body[0];
    $('prediction').textContent = String(top[0]?.label ?? '');
    $('bars').replaceChildren(...top.map(bar));
  } else if (isOcr(body)) {
    $('prediction').textContent = body.text;
    if (image) await drawBoxes(image, body);
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
 * The page as sent, with each line's quadrilateral and its text.
 * @param {Blob} image
 * @param {OcrAnswer} answer
 */
async function drawBoxes(image, answer) {
  const bitmap = await createImageBitmap(image);
  const canvas = /** @type {HTMLCanvasElement} */ ($('ocr-canvas'));
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  ctx.drawImage(bitmap, 0, 0);
  ctx.lineWidth = Math.max(2, bitmap.width / 400);
  ctx.strokeStyle = '#e5484d';
  ctx.fillStyle = '#e5484d';
  ctx.font = `${Math.max(12, bitmap.width / 60)}px system-ui, sans-serif`;
  for (const line of answer.lines) {
    const [first, ...rest] = line.box;
    ctx.beginPath();
    ctx.moveTo(first[0], first[1]);
    for (const p of rest) ctx.lineTo(p[0], p[1]);
    ctx.closePath();
    ctx.stroke();
  }
  canvas.dataset.boxes = String(answer.lines.length);
  $('ocr').hidden = false;
}
