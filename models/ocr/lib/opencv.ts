import { createRequire } from 'node:module';

// The part of OpenCV.js this model uses, typed here: the package's own declarations (mirada) describe
// the C++ API and disagree with the JS build in places (RotatedRect.points is static, boxPoints does
// not exist), and they are large to type-check.
export interface Point {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}
export interface Rect extends Point, Size {}
export interface RotatedRect {
  center: Point;
  size: Size;
  angle: number;
}
export interface Mat {
  rows: number;
  cols: number;
  data: Uint8Array;
  data32F: Float32Array;
  data32S: Int32Array;
  roi(rect: Rect): Mat;
  delete(): void;
}
export interface MatVector {
  size(): number;
  get(i: number): Mat;
  push_back(m: Mat): void;
  delete(): void;
}
export interface Cv {
  Mat: {
    new (): Mat;
    new (rows: number, cols: number, type: number): Mat;
    zeros(r: number, c: number, t: number): Mat;
  };
  MatVector: new () => MatVector;
  Size: new (width: number, height: number) => Size;
  Scalar: new (...v: number[]) => unknown;
  RotatedRect: { points(r: RotatedRect): Point[] };
  CV_8UC1: number;
  CV_8UC3: number;
  CV_32FC1: number;
  CV_32FC2: number;
  CV_32SC2: number;
  RETR_LIST: number;
  CHAIN_APPROX_SIMPLE: number;
  INTER_LINEAR: number;
  INTER_CUBIC: number;
  BORDER_REPLICATE: number;
  ROTATE_90_COUNTERCLOCKWISE: number;
  ROTATE_180: number;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): Mat;
  findContours(src: Mat, contours: MatVector, hierarchy: Mat, mode: number, method: number): void;
  minAreaRect(points: Mat): RotatedRect;
  fillPoly(img: Mat, polys: MatVector, color: unknown): void;
  mean(src: Mat, mask: Mat): number[];
  resize(src: Mat, dst: Mat, size: Size, fx: number, fy: number, interpolation: number): void;
  getPerspectiveTransform(src: Mat, dst: Mat): Mat;
  warpPerspective(
    src: Mat,
    dst: Mat,
    m: Mat,
    size: Size,
    flags: number,
    border: number,
    value: unknown,
  ): void;
  rotate(src: Mat, dst: Mat, code: number): void;
}

let loading: Promise<void> | undefined;
let loaded: Cv | undefined;

/**
 * Loads OpenCV.js once per process (its WASM instantiates asynchronously, ~0.5 s). Its Emscripten glue
 * also installs process-wide `uncaughtException`/`unhandledRejection` handlers that turn any stray
 * rejection in the host into a WASM abort; those are removed so the host keeps its own error handling.
 */
export function loadOpencv(): Promise<void> {
  loading ??= new Promise<void>((resolve, reject) => {
    const events = ['uncaughtException', 'unhandledRejection'] as const;
    // (Typed as one event: @types/node's overloads take no union of event names.)
    const before = new Set(events.flatMap((e) => process.listeners(e as 'uncaughtException')));
    const cv = createRequire(import.meta.url)('@techstark/opencv-js') as Cv & { then(cb: () => void): void };
    for (const e of events) {
      for (const l of process.listeners(e as 'uncaughtException')) {
        if (!before.has(l)) process.removeListener(e, l);
      }
    }
    const timer = setTimeout(() => reject(new Error('OpenCV.js did not initialise within 30 s')), 30_000);
    // The module is a thenable that calls back with itself: it must never be a promise's value (resolving
    // with it would adopt it again, forever), hence `loaded` beside a Promise<void>.
    cv.then(() => {
      clearTimeout(timer);
      loaded = cv;
      resolve();
    });
  });
  return loading;
}

/** The loaded OpenCV.js (after `loadOpencv`, which init awaits). */
export function cv(): Cv {
  if (!loaded) throw new Error('OpenCV.js is not loaded: init() must run first');
  return loaded;
}

/** Runs `fn` with a tracker for Mats, all freed afterwards: OpenCV.js memory is not garbage collected. */
export function withMats<T>(fn: (track: <M extends { delete(): void }>(m: M) => M) => T): T {
  const owned: { delete(): void }[] = [];
  try {
    return fn((m) => {
      owned.push(m);
      return m;
    });
  } finally {
    for (const m of owned) m.delete();
  }
}
