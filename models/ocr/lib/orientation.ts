import sharp from 'sharp';
import { upsideDownProbabilities } from './classify.js';
import { cropSize } from './crop.js';
import type { Quad } from './geometry.js';
import type { RgbImage } from './image.js';
import type { Mat } from './opencv.js';
import type { OcrOptions } from './options.js';
import { detectBoxes, ocrPage, readPage, type OcrResult } from './pipeline.js';
import type { OcrContext } from './session.js';
import { fromUpright, mapQuad, type Rotation } from './upright.js';

/** A page read in its upright orientation: boxes in the pixels of the page as given. */
export type OrientedResult = OcrResult & { rotation: Rotation };

/** Lines whose crops the classifier votes on: the widest, which say the most and cost one batch. */
const VOTERS = 8;

/**
 * A page turned a quarter shows its lines as tall boxes: the detector finds text in any orientation, and
 * a line's box is as long as the line. Boxes are weighed by their long side, so a page of long lines is
 * not outvoted by the short tall boxes of single characters ("1", "l") on an upright page.
 */
export function quarterTurned(boxes: Quad[]): boolean {
  let tall = 0;
  let wide = 0;
  for (const q of boxes) {
    const { width, height } = cropSize(q);
    if (height >= 1.5 * width) tall += height;
    else if (width >= 1.5 * height) wide += width;
  }
  return tall > wide;
}

/**
 * Upside down when the angle classifier (cls.onnx) reads most of the widest lines' ink, weighed by their
 * width, as turned 180°: one call of at most VOTERS crops, a few milliseconds a page.
 */
async function votesUpsideDown(ctx: OcrContext, crops: Mat[], o: OcrOptions): Promise<boolean> {
  const widest = [...crops].sort((a, b) => b.cols - a.cols).slice(0, VOTERS);
  const probs = await upsideDownProbabilities(ctx, widest, Math.min(VOTERS, o.recBatch * 2));
  let down = 0;
  let all = 0;
  widest.forEach((crop, i) => {
    all += crop.cols;
    if (probs[i] > 0.5) down += crop.cols;
  });
  return down > all / 2;
}

async function turn(image: RgbImage, clockwise: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .rotate(clockwise)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * A page in any of four orientations, read upright. The detector's boxes on the page as given say
 * whether it is turned a quarter (then it is turned back 90° and detected again); the classifier's votes
 * on the lines say whether what is now read is upside down (then it is turned 180° and read again).
 * An upright page pays for the vote only. `rotation` is how far the page's text was turned clockwise.
 */
export async function ocrOriented(
  ctx: OcrContext,
  image: RgbImage,
  o: OcrOptions,
  table: string[],
  pipeline: string,
): Promise<OrientedResult> {
  if (!o.detectOrientation) return { ...(await ocrPage(ctx, image, o, table, pipeline)), rotation: 0 };
  let rotation: Rotation = 0;
  let upright = image;
  let boxes: Quad[] | undefined = await detectBoxes(ctx, image, o);
  if (quarterTurned(boxes)) {
    rotation = 90;
    upright = await turn(image, 270);
    boxes = undefined;
  }
  const vote = (crops: Mat[]) => votesUpsideDown(ctx, crops, o);
  let read = await readPage(ctx, upright, o, table, pipeline, { boxes, upsideDown: vote });
  if (!read) {
    rotation = ((rotation + 180) % 360) as Rotation;
    upright = await turn(upright, 180);
    read = (await readPage(ctx, upright, o, table, pipeline, {}))!;
  }
  if (rotation === 0) return { ...read, rotation };
  const back = (p: [number, number]) => fromUpright(p, rotation, image.width, image.height);
  return { ...read, lines: read.lines.map((l) => ({ ...l, box: mapQuad(l.box, back) })), rotation };
}
