import { fixUpsideDown } from './classify.js';
import { clipBox, cropQuad } from './crop.js';
import { detect } from './detect.js';
import { inkKey } from './line-key.js';
import type { Quad } from './geometry.js';
import type { RgbImage } from './image.js';
import { cv, type Mat } from './opencv.js';
import type { OcrOptions } from './options.js';
import { readingOrder } from './reading-order.js';
import { recognize } from './recognize.js';
import type { OcrContext } from './session.js';
import { foldFullwidth } from './text.js';

export interface OcrLine {
  text: string;
  confidence: number;
  /** TL, TR, BR, BL in pixels of the upright image. */
  box: Quad;
}

export interface OcrResult {
  /** The lines' texts in reading order, one per row. */
  text: string;
  lines: OcrLine[];
}

/** What orientation.ts asks of a page read: boxes it already found, and a check on the crops. */
export interface PagePlan {
  /** The page's boxes, clipped (detectBoxes): the detector is not run again. */
  boxes?: Quad[];
  /** Whether the page is upside down, from its line crops; when true the read stops there (undefined). */
  upsideDown?: (crops: Mat[], boxes: Quad[]) => Promise<boolean>;
}

/** The page's text boxes (det.onnx), clipped to it as the pipeline reads them. */
export async function detectBoxes(ctx: OcrContext, image: RgbImage, o: OcrOptions): Promise<Quad[]> {
  const page = cv().matFromArray(image.height, image.width, cv().CV_8UC3, image.data);
  try {
    return clipped(await detect(ctx, image, page, o.detLimitSideLen, o.db), image);
  } finally {
    page.delete();
  }
}

const clipped = (detected: { box: Quad }[], image: RgbImage): Quad[] =>
  detected.map((d) => clipBox(d.box, image.width, image.height)).filter((b): b is Quad => b !== undefined);

/**
 * Detection, crops, optional angle fix, recognition and reading order for one decoded page. `pipeline`
 * (state.ts) is part of every line's cache key.
 */
export async function ocrPage(
  ctx: OcrContext,
  image: RgbImage,
  o: OcrOptions,
  table: string[],
  pipeline: string,
): Promise<OcrResult> {
  return (await readPage(ctx, image, o, table, pipeline, {}))!;
}

/** ocrPage with a plan: undefined when `plan.upsideDown` found the page upside down. */
export async function readPage(
  ctx: OcrContext,
  image: RgbImage,
  o: OcrOptions,
  table: string[],
  pipeline: string,
  plan: PagePlan,
): Promise<OcrResult | undefined> {
  const c = cv();
  // One copy of the page in OpenCV's heap serves the detector's resize and every crop; the crops stay
  // alive across the infer calls, so they are freed by hand rather than in a synchronous withMats.
  const page = c.matFromArray(image.height, image.width, c.CV_8UC3, image.data);
  const crops: Mat[] = [];
  try {
    const boxes = plan.boxes ?? clipped(await detect(ctx, image, page, o.detLimitSideLen, o.db), image);
    for (const box of boxes) crops.push(cropQuad(page, box));
    if (plan.upsideDown && crops.length > 0 && (await plan.upsideDown(crops, boxes))) return undefined;
    const turned =
      o.useAngleCls && crops.length > 0
        ? await fixUpsideDown(ctx, crops, o.clsThresh, o.recBatch)
        : crops.map(() => false);
    const rec = { maxWidth: o.recMaxWidth, widthStep: o.recWidthStep, batch: o.recBatch };
    const lines = crops.map((crop, i) => ({
      crop,
      key: inkKey(image, boxes[i], turned[i], { pipeline, ...rec }),
    }));
    const read = lines.length === 0 ? [] : await recognize(ctx, lines, table, rec);
    const segments = boxes
      .map((box, i) => {
        const text = read[i].text.trim();
        return { box, text: o.foldFullwidth ? foldFullwidth(text) : text, confidence: read[i].confidence };
      })
      .filter((s) => s.text !== '' && s.confidence >= o.dropScore);
    const ordered = readingOrder(segments, o.lineTolerance).map((l) => ({
      ...l,
      confidence: Math.round(l.confidence * 1e4) / 1e4,
    }));
    return { text: ordered.map((l) => l.text).join('\n'), lines: ordered };
  } finally {
    page.delete();
    for (const m of crops) m.delete();
  }
}
