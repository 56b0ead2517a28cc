import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Pt, Quad } from './geometry.js';
import type { OcrLine } from './pipeline.js';
import { readingOrder, type Segment } from './reading-order.js';
import { fromUpright, mapQuad, quarterTurn, toUpright, type Rotation } from './upright.js';

/** A page read from its text layer: its lines in reading order, in pixels of the page at the render dpi. */
export interface TextLayerPage {
  width: number;
  height: number;
  rotation: Rotation;
  lines: OcrLine[];
}

interface Item {
  str: string;
  transform: number[];
  width: number;
  height: number;
}

interface Run {
  text: string;
  /** Baseline start and end, and the unit vector up from the baseline, all in user space. */
  origin: Pt;
  end: Pt;
  up: Pt;
  size: number;
}

// Where a glyph box lies around its baseline, as fractions of the font size: a Latin font's descent is
// about 0.2 and its ascent 0.75-0.8. The text layer gives the baseline and size only, not the glyphs' ink.
const DESCENT = 0.2;
const ASCENT = 0.8;

/**
 * pdf.js gives a page's text as items in content order (a word, a line, or a piece where the font
 * changed), with the gaps it judged spaces as items of their own. Items that continue one another on one
 * baseline are one run, their strings joined as they are; runs are then put in lines as OCR segments are.
 */
function runsOf(items: Item[]): Run[] {
  const runs: Run[] = [];
  let cur: Run | undefined;
  for (const it of items) {
    const [a, b, c, d, e, f] = it.transform;
    const size = Math.hypot(c, d) || it.height;
    const len = Math.hypot(a, b);
    if (!size || !len) continue;
    const dir: Pt = [a / len, b / len];
    const up: Pt = [c / size, d / size];
    const origin: Pt = [e, f];
    const end: Pt = [e + dir[0] * it.width, f + dir[1] * it.width];
    if (cur) {
      // The next item continues the run when it starts where the run ends (within half a font size along
      // the line, a fifth across it) in the same direction.
      const dx = origin[0] - cur.end[0];
      const dy = origin[1] - cur.end[1];
      const along = dx * dir[0] + dy * dir[1];
      const across = dx * up[0] + dy * up[1];
      const same = Math.abs(up[0] - cur.up[0]) < 0.01 && Math.abs(up[1] - cur.up[1]) < 0.01;
      if (same && Math.abs(across) < 0.2 * size && along > -0.5 * size && along < 0.5 * size) {
        cur.text += it.str;
        cur.end = end;
        cur.size = Math.max(cur.size, size);
        continue;
      }
    }
    if (it.str.trim() === '') {
      cur = undefined;
      continue;
    }
    cur = { text: it.str, origin, end, up, size };
    runs.push(cur);
  }
  return runs;
}

/**
 * The page's text layer as lines, or undefined when it has none (a scan: no item with a visible character).
 * Boxes are the runs' baselines grown by the font's ascent and descent, TL TR BR BL in the text's own
 * direction, in pixels of the page as displayed (its /Rotate applied) at `scale` pixels per point.
 * `rotation` is the turn most characters' baselines run at on the displayed page.
 */
export async function readTextLayer(
  page: PDFPageProxy,
  scale: number,
  lineTolerance: number,
): Promise<TextLayerPage | undefined> {
  const content = await page.getTextContent();
  const items = content.items.filter((i): i is Item & typeof i => 'str' in i);
  const runs = runsOf(items);
  if (runs.length === 0) return undefined;
  const vp = page.getViewport({ scale });
  const px = (p: Pt): Pt => vp.convertToViewportPoint(p[0], p[1]) as Pt;
  const width = Math.round(vp.width);
  const height = Math.round(vp.height);
  const quads = runs.map((r): Quad => {
    const off = (p: Pt, k: number): Pt => [p[0] + r.up[0] * k * r.size, p[1] + r.up[1] * k * r.size];
    return [
      px(off(r.origin, ASCENT)),
      px(off(r.end, ASCENT)),
      px(off(r.end, -DESCENT)),
      px(off(r.origin, -DESCENT)),
    ];
  });
  // The page's turn: each run's baseline angle on the displayed page, weighted by its characters.
  const votes = new Map<Rotation, number>();
  quads.forEach((q, i) => {
    const turn = quarterTurn((Math.atan2(q[1][1] - q[0][1], q[1][0] - q[0][0]) * 180) / Math.PI);
    votes.set(turn, (votes.get(turn) ?? 0) + runs[i].text.length);
  });
  const rotation = [...votes.entries()].sort((x, y) => y[1] - x[1])[0][0];
  const up = (p: Pt) => toUpright(p, rotation, width, height);
  const back = (p: Pt) => fromUpright(p, rotation, width, height);
  const segments: Segment[] = runs.map((r, i) => ({
    text: r.text.trim(),
    confidence: 1,
    box: mapQuad(quads[i], up),
  }));
  const round = (p: Pt): Pt => [Math.round(p[0]), Math.round(p[1])];
  const lines = readingOrder(
    segments.filter((s) => s.text !== ''),
    lineTolerance,
  ).map((l) => ({ text: l.text, confidence: 1, box: mapQuad(mapQuad(l.box, back), round) }));
  return { width, height, rotation, lines };
}
