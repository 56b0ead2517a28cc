import { OcrError } from './errors.js';

/** What a body is read as: one raster image (or a multi-page TIFF), or a PDF document. */
export type MediaKind = 'image' | 'pdf';

// Raster formats only, as the host's image codec: an SVG is a program for a renderer, not pixels.
const IMAGES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/tiff'];
const PDF = 'application/pdf';
const ACCEPTED = [...IMAGES, PDF];
const SIGNATURES: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))],
  ['image/jpeg', (b) => b.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))],
  ['image/gif', (b) => b.toString('latin1', 0, 4) === 'GIF8'],
  ['image/webp', (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP'],
  ['image/tiff', (b) => ['II*\0', 'MM\0*'].includes(b.toString('latin1', 0, 4))],
  // The PDF spec lets the header follow up to 1 KiB of other bytes (some mailers and scanners prepend them).
  [PDF, (b) => b.subarray(0, 1024).includes('%PDF-', 0, 'latin1')],
];

/**
 * What the body is, decided before anything is cached or decoded: a declared type that is neither a raster
 * image nor a PDF, or an undeclared body (octet-stream, blobs, messages) whose first bytes are neither, is
 * 415; a declared image or PDF whose bytes are none of the formats is 400 (a declared PDF that is an image,
 * or the reverse, is read as what its bytes are).
 */
export function checkMediaType(body: Buffer, contentType: string | undefined): MediaKind {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const sniffed = SIGNATURES.find(([, is]) => is(body))?.[0];
  const declared = ACCEPTED.includes(type);
  if (!declared && type !== '' && type !== 'application/octet-stream') {
    throw new OcrError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content type "${type}" is not accepted; send ${ACCEPTED.join(', ')}`,
    );
  }
  if (sniffed) return sniffed === PDF ? 'pdf' : 'image';
  if (type === PDF)
    throw new OcrError(
      'UNDECODABLE_DOCUMENT',
      'the body is declared application/pdf but has no %PDF- header',
    );
  if (declared)
    throw new OcrError('UNDECODABLE_IMAGE', `the body is declared ${type} but is no image of a known format`);
  throw new OcrError(
    'UNSUPPORTED_MEDIA_TYPE',
    `the body is neither an image nor a PDF; send ${ACCEPTED.join(', ')}`,
  );
}
