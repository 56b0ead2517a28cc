import { ScoringError, type ImageAnswerRequest } from '@modelfn/scoring';

const FORMATS: Record<string, ImageAnswerRequest['format']> = {
  'image/png': 'png',
  'image/webp': 'webp',
  'image/*': undefined,
};

/**
 * The image answer an Accept header asks for (HTTP's, or a blob's metadata or a message's property
 * `accept`, which take the same values): image/png, image/webp or image/* (the model's format) require
 * one, the best by q-value, unless JSON is accepted too (JSON wins, as for raw bytes). Without a choice
 * (no value, or only `*\/*`) the answer is `otherwise`: JSON for HTTP, for a blob or a message an image
 * when the model has postprocessing.image.
 */
export function imageAnswerOf(
  accept: unknown,
  otherwise?: ImageAnswerRequest,
): ImageAnswerRequest | undefined {
  if (accept === undefined || accept === null || accept === '') return otherwise;
  if (typeof accept !== 'string')
    throw new ScoringError(
      'INVALID_INPUT',
      '"accept" must be a media type such as "image/png" or "application/json"',
    );
  const ranges = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.type !== '' && !(r.q <= 0));
  if (ranges.length > 0 && ranges.every((r) => r.type === '*/*')) return otherwise;
  if (ranges.some((r) => r.type === 'application/json' || r.type.endsWith('+json'))) return undefined;
  let best: { type: string; q: number } | undefined;
  for (const r of ranges) if (r.type in FORMATS && (!best || r.q > best.q)) best = r;
  if (!best) return undefined;
  const format = FORMATS[best.type];
  return format ? { required: true, format } : { required: true };
}
