/**
 * Request bodies for the HTTP rows, built the same way by every load generator (TypeScript for autocannon,
 * the Lua twin in load/wrk-script.ts for wrk), so ours, the peer and bare Node get identical bytes.
 *
 * A body is MNIST test digits as JSON, pixel/255 with 4 decimals (2.1 KB for one row, like
 * apps/local/samples/digit-7.json). Pixels 0 and 1 are the top-left corner, 0 in every MNIST digit; they
 * carry a request counter (`<n>e-9`) and a tag (`<t>e-6`) so that bodies can be made distinct:
 * - hit mode: the counter cycles over `distinct` values, so after one warm-up pass every request is a hit;
 * - miss mode: the counter only grows, so no two requests (nor two rows) ever share a cache key.
 * The values stay distinct after float32 rounding (the scorer keys rows on float32 bytes): counters up to
 * 1e6 give values <= 1e-3, where float32 steps are ~1e-10; tags < 2^17 give values < 0.14, steps ~1e-8.
 */
export type BodyFormat = 'aml' | 'v2';

export interface BodySpec {
  format: BodyFormat;
  rowsPerRequest: number;
  mode: 'hit' | 'miss';
  /** Hit mode: how many different bodies are cycled. */
  distinct: number;
  /** 0..99, one per measured row of a run, so no row reuses another's keys. */
  salt: number;
  /** Each digit's pixels 2..783 as JSON number text, comma separated. */
  tails: string[];
}

export const MAX_ROWS_PER_REQUEST = 64;
export const MAX_STREAMS = 16;
export const MAX_SALT = 100;

/** The tag of row `row` of a request from stream `stream` (a wrk thread): unique per (salt, stream, row). */
export function rowTag(salt: number, stream: number, row: number): number {
  return (salt * MAX_STREAMS + stream) * MAX_ROWS_PER_REQUEST + row;
}

/** JSON number text of one pixel: 4 decimals, integers without them (0 and 1 stay short, as in the samples). */
export function pixelText(p: number): string {
  return String(Number((p / 255).toFixed(4)));
}

/** `tails` for a BodySpec from raw MNIST bytes (784 per digit). */
export function digitTails(images: Uint8Array, count: number): string[] {
  const tails: string[] = [];
  for (let d = 0; d < count; d++) {
    const px = images.subarray(d * 784 + 2, (d + 1) * 784);
    tails.push(Array.from(px, pixelText).join(','));
  }
  return tails;
}

export function checkSpec(spec: BodySpec): void {
  if (spec.rowsPerRequest < 1 || spec.rowsPerRequest > MAX_ROWS_PER_REQUEST) {
    throw new RangeError(`rowsPerRequest must be 1..${MAX_ROWS_PER_REQUEST}`);
  }
  if (spec.salt < 0 || spec.salt >= MAX_SALT) throw new RangeError(`salt must be 0..${MAX_SALT - 1}`);
  if (spec.tails.length === 0) throw new RangeError('no digits');
  if (spec.mode === 'hit' && spec.distinct < 1) throw new RangeError('distinct must be >= 1');
}

/** Body number `i` of stream `stream` (hit mode ignores the stream: all streams share one set of bodies). */
export function bodyText(spec: BodySpec, stream: number, i: number): string {
  const s = spec.mode === 'hit' ? 0 : stream;
  const counter = spec.mode === 'hit' ? i % spec.distinct : i;
  const rows: string[] = [];
  for (let r = 0; r < spec.rowsPerRequest; r++) {
    const digit = (counter * spec.rowsPerRequest + r) % spec.tails.length;
    rows.push(`${counter}e-9,${rowTag(spec.salt, s, r)}e-6,${spec.tails[digit]}`);
  }
  if (spec.format === 'aml') return `{"data":[[${rows.join('],[')}]]}`;
  return (
    `{"inputs":[{"name":"input","shape":[${spec.rowsPerRequest},784],"datatype":"FP32","data":[` +
    `${rows.join(',')}]}]}`
  );
}

/** The bodies a hit row must see once before it is measured. */
export function warmupBodies(spec: BodySpec): string[] {
  if (spec.mode !== 'hit') return [];
  return Array.from({ length: spec.distinct }, (_, i) => bodyText(spec, 0, i));
}
