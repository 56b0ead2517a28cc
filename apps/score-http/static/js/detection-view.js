// @ts-check
// A detector's answer drawn over the image that was sent: one labelled rectangle per object. The boxes are
// in the sent image's pixels, so an SVG whose viewBox is the image's size puts them in place at any scale.

const NS = 'http://www.w3.org/2000/svg';

/** @typedef {{ label: unknown, score: number, box: number[] }} Detected */

/**
 * @param {string} name
 * @param {Record<string, string | number>} attrs
 */
function el(name, attrs) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** @param {unknown} d @returns {d is Detected} */
function isDetected(d) {
  if (typeof d !== 'object' || d === null) return false;
  const o = /** @type {Record<string, unknown>} */ (d);
  return 'label' in o && typeof o.score === 'number' && Array.isArray(o.box) && o.box.length === 4;
}

/**
 * `/score`'s answer for a detector: one list of `{label, score, box}` per image (a list may be empty).
 * @param {unknown} body
 * @returns {body is Detected[][]}
 */
export function isDetections(body) {
  return (
    Array.isArray(body) && body.length > 0 && body.every((row) => Array.isArray(row) && row.every(isDetected))
  );
}

/** A colour per label, the same on every answer. @param {unknown} label */
export function labelColor(label) {
  let h = 0;
  for (const c of String(label)) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 85% 45%)`;
}

/** @param {Detected} d */
export function caption(d) {
  return `${String(d.label)} ${(d.score * 100).toFixed(0)}%`;
}

/**
 * The image (an object URL of `width` × `height` pixels) with a rectangle and a caption per object.
 * @param {Detected[]} objects
 * @param {string} url
 * @param {number} width
 * @param {number} height
 */
export function detectionSheet(objects, url, width, height) {
  const root = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'detection-sheet' });
  root.dataset.boxes = String(objects.length);
  root.append(el('image', { href: url, x: 0, y: 0, width, height, preserveAspectRatio: 'none' }));
  // Captions are a fixed share of the image, so they look the same size on screen whatever the image's.
  const size = Math.max(width, height) / 40;
  for (const d of objects) {
    const [x1, y1, x2, y2] = d.box;
    const color = labelColor(d.label);
    const g = el('g', { class: 'detection' });
    const title = el('title', {});
    title.textContent = `${caption(d)} [${d.box.join(', ')}]`;
    const rect = el('rect', { x: x1, y: y1, width: x2 - x1, height: y2 - y1, stroke: color });
    // Above the box, or inside it at the image's top; ending at the box's right side near the right edge.
    const words = caption(d);
    const right = x1 + 0.6 * size * words.length > width;
    const text = el('text', {
      x: right ? x2 - size / 4 : x1 + size / 4,
      y: y1 >= size * 1.2 ? y1 - size / 4 : y1 + size,
      fill: color,
      'font-size': size,
      'stroke-width': size / 6,
      'text-anchor': right ? 'end' : 'start',
    });
    text.textContent = words;
    g.append(title, rect, text);
    root.append(g);
  }
  return root;
}

/** The headline: how many objects, and what they are. @param {Detected[]} objects */
export function summary(objects) {
  if (objects.length === 0) return 'no objects found';
  const n = objects.length === 1 ? '1 object' : `${objects.length} objects`;
  return `${n}: ${objects.map(caption).join(', ')}`;
}

/**
 * The sheet for the image that was sent; the caller revokes `url` when it clears the result.
 * @param {Detected[]} objects
 * @param {Blob} image
 */
export async function detectionView(objects, image) {
  const bitmap = await createImageBitmap(image, { imageOrientation: 'from-image' });
  const { width, height } = bitmap;
  bitmap.close();
  const url = URL.createObjectURL(image);
  return { sheet: detectionSheet(objects, url, width, height), url };
}

/**
 * Shows `objects` over `image` in `container`, replacing what it showed.
 * @param {HTMLElement} container
 * @param {Detected[]} objects
 * @param {Blob} image
 */
export async function showDetections(container, objects, image) {
  clearDetections(container);
  const { sheet, url } = await detectionView(objects, image);
  container.dataset.url = url;
  container.replaceChildren(sheet);
  container.hidden = false;
}

/** Empties `container`, releasing the image it showed. @param {HTMLElement} container */
export function clearDetections(container) {
  if (container.dataset.url) URL.revokeObjectURL(container.dataset.url);
  delete container.dataset.url;
  container.replaceChildren();
  container.hidden = true;
}
