// @ts-check
// A drawing made into a digit as the MNIST digits were made (LeCun et al.): the ink's bounding box is
// scaled, keeping its aspect ratio and anti-aliased, to fit a 20x20 box, then placed in a 28x28 field so
// that its centre of mass is at the centre. Pure functions over grey levels (0 = background, 255 = ink).

export const SIDE = 28;
const BOX = 20;
/** Grey levels at or below this are background (a canvas' anti-aliased fringe is not the digit's extent). */
const INK = 16;

/**
 * @typedef {object} Gray
 * @property {number} width
 * @property {number} height
 * @property {ArrayLike<number>} data one grey level (0..255) per pixel, row by row
 */

/**
 * The grey level of each pixel of RGBA data: its red channel, for white ink on a black canvas.
 * @param {{ width: number, height: number, data: ArrayLike<number> }} rgba
 * @returns {Gray}
 */
export function grayOf(rgba) {
  const data = new Float32Array(rgba.width * rgba.height);
  for (let i = 0; i < data.length; i++) data[i] = rgba.data[i * 4];
  return { width: rgba.width, height: rgba.height, data };
}

/**
 * The smallest box holding every pixel brighter than the background; undefined when nothing is drawn.
 * @param {Gray} g
 * @returns {{ x: number, y: number, w: number, h: number } | undefined}
 */
export function inkBox(g) {
  let x0 = g.width;
  let y0 = g.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      if (g.data[y * g.width + x] > INK) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * Resamples one axis by area averaging: each output cell is the mean of the input it covers, partial
 * pixels weighted by their share (what makes a downscaled stroke grey at its edges, as in MNIST).
 * @param {Float32Array} src
 * @param {number} n input length
 * @param {number} m output length
 * @param {number} stride distance between neighbours along the axis
 * @param {number} count how many lines to resample
 * @param {number} lineStride distance between lines
 * @param {Float32Array} out
 * @param {number} outStride
 * @param {number} outLineStride
 */
function resampleAxis(src, n, m, stride, count, lineStride, out, outStride, outLineStride) {
  const scale = n / m;
  for (let line = 0; line < count; line++) {
    for (let j = 0; j < m; j++) {
      const a = j * scale;
      const b = a + scale;
      let sum = 0;
      for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
        const cover = Math.min(b, i + 1) - Math.max(a, i);
        sum += cover * src[line * lineStride + i * stride];
      }
      out[line * outLineStride + j * outStride] = sum / scale;
    }
  }
}

/**
 * A rectangle of `g` resized to `w` x `h` by area averaging.
 * @param {Gray} g
 * @param {{ x: number, y: number, w: number, h: number }} box
 * @param {number} w
 * @param {number} h
 * @returns {Float32Array}
 */
export function resizeBox(g, box, w, h) {
  const crop = new Float32Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) crop[y * box.w + x] = g.data[(box.y + y) * g.width + box.x + x];
  }
  const rows = new Float32Array(w * box.h);
  resampleAxis(crop, box.w, w, 1, box.h, box.w, rows, 1, w);
  const out = new Float32Array(w * h);
  resampleAxis(rows, box.h, h, w, w, 1, out, w, 1);
  return out;
}

/**
 * The digit as the model's 28x28 grey levels (0..255), or undefined when nothing is drawn.
 * @param {Gray} g
 * @returns {Float32Array | undefined}
 */
export function mnistDigit(g) {
  const box = inkBox(g);
  if (!box) return undefined;
  const k = BOX / Math.max(box.w, box.h);
  const w = Math.max(1, Math.round(box.w * k));
  const h = Math.max(1, Math.round(box.h * k));
  const fitted = resizeBox(g, box, w, h);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = fitted[y * w + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  // Where the fitted box goes so that its centre of mass lands on pixel (14, 14), as in the MNIST files
  // (their digits' mass centres are at 14.0 ± 0.5 in pixel indices).
  const ox = Math.round(SIDE / 2 - mx / mass);
  const oy = Math.round(SIDE / 2 - my / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const tx = x + ox;
      const ty = y + oy;
      if (tx >= 0 && tx < SIDE && ty >= 0 && ty < SIDE)
        out[ty * SIDE + tx] = Math.min(255, fitted[y * w + x]);
    }
  }
  return out;
}
