import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

// pdf.js's operator codes (its OPS table), for the operators that move the transform or paint an image.
const OP = {
  save: 10,
  restore: 11,
  transform: 12,
  formBegin: 74,
  formEnd: 75,
  imageMask: 83,
  image: 85,
  inlineImage: 86,
} as const;

type Matrix = [number, number, number, number, number, number];

const multiply = (m: Matrix, n: number[]): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];

/**
 * The share of the page (0-1) that its largest image covers: an image is the unit square under the
 * transform in force when it is painted, so its area is the transform's determinant. Clipping is not
 * followed (an image clipped to a corner counts whole): this says whether a page is a scan, not where.
 */
export async function largestImageShare(page: PDFPageProxy): Promise<number> {
  const [x0, y0, x1, y1] = page.view;
  const pageArea = Math.abs((x1 - x0) * (y1 - y0));
  if (!pageArea) return 0;
  const ops = await page.getOperatorList();
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  let largest = 0;
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i];
    const args = ops.argsArray[i] as unknown[] | null;
    if (fn === OP.save) stack.push(ctm);
    else if (fn === OP.restore) ctm = stack.pop() ?? ctm;
    else if (fn === OP.transform && args) ctm = multiply(ctm, args as number[]);
    else if (fn === OP.formBegin && args) {
      stack.push(ctm);
      if (Array.isArray(args[0]) && args[0].length === 6) ctm = multiply(ctm, args[0] as number[]);
    } else if (fn === OP.formEnd) ctm = stack.pop() ?? ctm;
    else if (fn === OP.image || fn === OP.inlineImage || fn === OP.imageMask) {
      largest = Math.max(largest, Math.abs(ctm[0] * ctm[3] - ctm[1] * ctm[2]));
    }
  }
  return Math.min(1, largest / pageArea);
}
