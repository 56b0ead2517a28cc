import { isFloat } from '../tensor/datatype.js';
import type { Label } from './classification.js';
import type { IoSpec } from './io-spec.js';
import { configError, type ModelConfig } from './model-config.js';

/**
 * How an object detector's outputs are read (`postprocessing.detection` in config.json):
 * - `yolov5`: one output, rows of boxes `[N, 5 + C]`: box (4), objectness, C class scores;
 * - `yolov8`: one output, transposed and without objectness: `[4 + C, N]`;
 * - `boxes`: separate outputs, `boxes [N, 4]`, `scores [N]` with `classes [N]` (or no classes: class 0),
 *   or `scores [N, C]`.
 * Each per row of the batch (a leading 1 of an unbatched model is a batch of one).
 */
export interface DetectionConfig {
  layout: 'yolov5' | 'yolov8' | 'boxes';
  /** yolov5 / yolov8: the output holding everything. */
  output?: string;
  /** boxes layout: the outputs by name (`classes` optional). */
  boxes?: string;
  scores?: string;
  classes?: string;
  /** cxcywh: centre and size (YOLO's); xyxy: corners. */
  boxFormat: 'cxcywh' | 'xyxy';
  /** Box coordinates are 0..1 of the model input's width and height, not its pixels. */
  normalized: boolean;
  /** Boxes scoring below this are dropped before NMS. */
  scoreThreshold: number;
  /** A box overlapping a better one of its class by more than this IoU is suppressed. */
  iouThreshold: number;
  maxDetections: number;
  /** NMS across classes (one box per place whatever its class) instead of per class. */
  classAgnostic: boolean;
  /** Class labels by index (else the config's labels, labels.txt or the output's label_filename). */
  labels?: Label[];
}

/** A model's detection post-processing, its outputs resolved to positions among the served outputs. */
export interface Detection {
  config: DetectionConfig;
  /** yolov5 / yolov8: the output; boxes: the boxes output. */
  output: number;
  scores?: number;
  classes?: number;
  /** Class labels by index; a class without one is answered by its index. */
  labels?: Label[];
}

const LAYOUTS = ['yolov5', 'yolov8', 'boxes'] as const;
const FORMATS = ['cxcywh', 'xyxy'] as const;
const KEYS = new Set([
  'layout',
  'output',
  'boxes',
  'scores',
  'classes',
  'boxFormat',
  'normalized',
  'scoreThreshold',
  'iouThreshold',
  'maxDetections',
  'classAgnostic',
  'labels',
  'note',
]);

export const DETECTION_DEFAULTS = {
  scoreThreshold: 0.25,
  iouThreshold: 0.45,
  maxDetections: 100,
} as const;

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates `postprocessing.detection`, filling in defaults; `fail` throws the reason as the model's config
 * error. Unknown keys are refused (a misspelt threshold would silently keep its default), "note" aside.
 */
export function parseDetectionConfig(raw: unknown, fail: (why: string) => never): DetectionConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(`must be an object such as {"layout": "yolov8"}; got ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !KEYS.has(k));
  // A misspelt key would silently keep its default: say which keys exist instead.
  if (unknown.length > 0)
    fail(
      `unknown key ${unknown.map(show).join(', ')}; the keys are ${[...KEYS].filter((k) => k !== 'note').join(', ')}`,
    );
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback?: T): T => {
    const v = r[key] ?? fallback;
    if (!allowed.includes(v as T))
      fail(`${key} must be one of ${allowed.map(show).join(', ')}; got ${show(r[key])}`);
    return v as T;
  };
  const fraction = (key: string, fallback: number): number => {
    const v = r[key] ?? fallback;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(`${key} must be a number 0..1; got ${show(v)}`);
    return v as number;
  };
  const flag = (key: string): boolean => {
    const v = r[key] ?? false;
    if (typeof v !== 'boolean') fail(`${key} must be true or false; got ${show(v)}`);
    return v as boolean;
  };
  const name = (key: string): string | undefined => {
    const v = r[key];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      fail(`${key} must name an output; got ${show(v)}`);
    return v as string | undefined;
  };

  const layout = oneOf('layout', LAYOUTS);
  const maxDetections = r.maxDetections ?? DETECTION_DEFAULTS.maxDetections;
  if (!Number.isInteger(maxDetections) || (maxDetections as number) < 1)
    fail(`maxDetections must be an integer >= 1; got ${show(maxDetections)}`);
  const labels = r.labels;
  if (
    labels !== undefined &&
    (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' && typeof l !== 'number'))
  )
    fail(`labels must be a list of strings (or numbers), one per class; got ${show(labels)}`);
  const config: DetectionConfig = {
    layout,
    boxFormat: oneOf('boxFormat', FORMATS, layout === 'boxes' ? 'xyxy' : 'cxcywh'),
    normalized: flag('normalized'),
    scoreThreshold: fraction('scoreThreshold', DETECTION_DEFAULTS.scoreThreshold),
    iouThreshold: fraction('iouThreshold', DETECTION_DEFAULTS.iouThreshold),
    maxDetections: maxDetections as number,
    classAgnostic: flag('classAgnostic'),
  };
  if (layout === 'boxes') {
    if (r.output !== undefined)
      fail('layout "boxes" names its outputs with "boxes", "scores" and "classes", not "output"');
    for (const key of ['boxes', 'scores', 'classes'] as const) {
      const n = name(key);
      if (n !== undefined) config[key] = n;
    }
  } else {
    const extra = ['boxes', 'scores', 'classes'].filter((k) => r[k] !== undefined);
    if (extra.length > 0)
      fail(
        `layout "${layout}" reads one output ("output"); ${extra.map(show).join(', ')} are for layout "boxes"`,
      );
    const n = name('output');
    if (n !== undefined) config.output = n;
  }
  if (labels !== undefined) config.labels = labels as Label[];
  return config;
}

/**
 * A row's dims without the leading 1s an unbatched model's outputs carry (`[1, 25200, 85]` is one row of
 * `[25200, 85]`); dynamic leading dims of an unbatched model count as a batch of one too.
 */
export function detectionRowDims(dims: readonly number[], batched: boolean, rank: number): number[] {
  let row = [...dims];
  while (row.length > rank && (row[0] === 1 || (!batched && row[0] === -1))) row = row.slice(1);
  return row;
}

/**
 * The detection post-processing of a model, from its effective config: the named outputs among the served
 * ones (defaults: the first output; `boxes`, `scores`, `classes` by those names), their dims checked as
 * far as they are fixed, and the labels (`labels` here, else the model's: config `labels`, labels.txt or
 * the output's label_filename) checked against the number of classes when it is known.
 */
export function detectionOutput(
  config: ModelConfig,
  outputs: readonly IoSpec[],
  modelLabels: Label[] | undefined,
): Detection | undefined {
  const post = config.postprocessing;
  if (post?.detection === undefined) return undefined;
  const model = config.name;
  const fail = (why: string): never => configError(model, `postprocessing.detection ${why}`);
  if (post.image !== undefined)
    configError(
      model,
      'postprocessing has both "image" and "detection": a model answers one way, either an image or detections; keep one',
    );
  const c = parseDetectionConfig(post.detection, fail);
  const batched = config.max_batch_size > 0;
  const names = outputs.map((o) => show(o.name)).join(', ');
  const find = (key: string, n: string | undefined): number => {
    const at = outputs.findIndex((o) => o.name === n);
    if (at < 0) fail(`${key} must name one of the model's outputs (${names}); got ${show(n)}`);
    if (!isFloat(outputs[at].datatype) && key !== 'classes')
      fail(`${key} "${n}" is ${outputs[at].datatype}; boxes and scores are floating-point outputs`);
    return at;
  };
  const shape = (at: number, rank: number, what: string): number[] => {
    const row = detectionRowDims(outputs[at].dims, batched, rank);
    if (row.length !== rank)
      fail(
        `output "${outputs[at].name}" has dims [${outputs[at].dims}]${batched ? ' per row' : ''}; ${what}`,
      );
    return row;
  };

  let classes: number;
  const out: Detection = { config: c, output: 0 };
  if (c.layout === 'boxes') {
    out.output = find('boxes', c.boxes ?? 'boxes');
    out.scores = find('scores', c.scores ?? 'scores');
    const boxes = shape(out.output, 2, 'layout "boxes" needs boxes [N, 4]');
    if (boxes[1] !== 4 && boxes[1] !== -1)
      fail(`output "${outputs[out.output].name}" must be [N, 4]; its boxes have ${boxes[1]} values`);
    const scores = detectionRowDims(outputs[out.scores].dims, batched, 1);
    const perClass = scores.length === 2;
    if (scores.length !== 1 && !perClass)
      fail(
        `output "${outputs[out.scores].name}" must be [N] (with classes [N]) or [N, C]; it has dims [${outputs[out.scores].dims}]`,
      );
    if (c.classes !== undefined || (!perClass && outputs.some((o) => o.name === 'classes'))) {
      if (perClass) fail('"classes" goes with scores [N]; scores [N, C] give each class its own score');
      out.classes = find('classes', c.classes ?? 'classes');
      shape(out.classes, 1, 'classes must be [N], one class index per box');
    }
    classes = perClass ? scores[1] : -1;
  } else {
    out.output = find('output', c.output ?? outputs[0]?.name);
    const row = shape(
      out.output,
      2,
      c.layout === 'yolov5'
        ? 'layout "yolov5" needs [N, 5 + classes]'
        : 'layout "yolov8" needs [4 + classes, N]',
    );
    const width = c.layout === 'yolov5' ? row[1] : row[0];
    const fixed = c.layout === 'yolov5' ? 5 : 4;
    if (width !== -1 && width <= fixed)
      fail(
        `layout "${c.layout}" needs ${c.layout === 'yolov5' ? '[N, 5 + classes]' : '[4 + classes, N]'}; output "${outputs[out.output].name}" has dims [${outputs[out.output].dims}] (is the layout right?)`,
      );
    classes = width === -1 ? -1 : width - fixed;
  }
  const labels = c.labels ?? modelLabels;
  if (labels && classes !== -1 && labels.length !== classes)
    fail(`has ${labels.length} labels for ${classes} classes${c.labels ? '' : " (from the model's labels)"}`);
  if (labels) out.labels = labels;
  return out;
}
