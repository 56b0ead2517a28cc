import type { DbOptions } from './db-postprocess.js';

/** A file shipped in an npm package, pinned by its sha256 (as config.json `files` entries are). */
export interface PackagedFile {
  package: string;
  path: string;
  sha256: string;
}

/** The pipeline's settings, from config.json fields named as PaddleOCR's command-line flags. */
export interface OcrOptions {
  keys: PackagedFile;
  /** The detector's input: the longer side at most this, each side a multiple of 32. */
  detLimitSideLen: number;
  db: DbOptions;
  /** Recognition crop width cap (pixels at height 48); wider lines are squeezed. */
  recMaxWidth: number;
  /** Recognition rows are padded to a multiple of this width; see rec-input.ts. */
  recWidthStep: number;
  /** Rows per recognition infer call (PaddleOCR's rec_batch_num), at most the session's max_batch_size. */
  recBatch: number;
  /** Lines whose confidence is below this are dropped (PaddleOCR's drop_score). */
  dropScore: number;
  /** Full-width digits and Latin letters read as ASCII; see text.ts. */
  foldFullwidth: boolean;
  useAngleCls: boolean;
  clsThresh: number;
  /** Pages turned 90, 180 or 270 degrees found and read upright (orientation.ts). */
  detectOrientation: boolean;
  /** Boxes whose vertical centres differ by less than this fraction of their height share a line. */
  lineTolerance: number;
  maxImagePixels: number;
}

type Raw = Readonly<Record<string, unknown>>;

function num(raw: Raw, key: string, fallback: number, min: number, max: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new Error(`config.json "${key}" must be a number in [${min}, ${max}]; got ${JSON.stringify(v)}`);
  }
  return v;
}

function packaged(raw: Raw, key: string): PackagedFile {
  const v = raw[key] as Partial<PackagedFile> | undefined;
  if (!v || typeof v.package !== 'string' || typeof v.path !== 'string' || typeof v.sha256 !== 'string') {
    throw new Error(`config.json "${key}" must be {"package", "path", "sha256"}`);
  }
  return v as PackagedFile;
}

export function parseOptions(config: Raw): OcrOptions {
  const mode = config.det_db_score_mode ?? 'slow';
  if (mode !== 'slow' && mode !== 'fast') throw new Error('config.json "det_db_score_mode" is slow or fast');
  const sessions = (config.sessions ?? {}) as Record<string, { max_batch_size?: number } | undefined>;
  const recMaxWidth = num(config, 'rec_max_width', 1920, 48, 8192);
  return {
    keys: packaged(config, 'keys'),
    detLimitSideLen: num(config, 'det_limit_side_len', 960, 32, 4096),
    db: {
      thresh: num(config, 'det_db_thresh', 0.3, 0, 1),
      boxThresh: num(config, 'det_db_box_thresh', 0.6, 0, 1),
      // PaddleOCR's tools say 1.5 (its 3.x pipelines 2.0); 2.5 measured best on Latin text: README.md.
      unclipRatio: num(config, 'det_db_unclip_ratio', 2.5, 0, 10),
      scoreMode: mode,
      maxCandidates: num(config, 'det_max_candidates', 1000, 1, 100_000),
    },
    recMaxWidth,
    recWidthStep: num(config, 'rec_width_step', 32, 1, recMaxWidth),
    recBatch: Math.min(
      num(config, 'rec_batch_num', 4, 1, 1024),
      sessions['rec.onnx']?.max_batch_size || 1024,
    ),
    dropScore: num(config, 'drop_score', 0.5, 0, 1),
    foldFullwidth: config.fold_fullwidth !== false,
    useAngleCls: config.use_angle_cls === true,
    clsThresh: num(config, 'cls_thresh', 0.9, 0, 1),
    detectOrientation: config.detect_orientation !== false,
    lineTolerance: num(config, 'line_tolerance', 0.5, 0, 2),
    maxImagePixels: num(config, 'max_image_pixels', 4096 * 4096, 1, 2 ** 31),
  };
}
