import sharp from 'sharp';
import { OcrError } from './errors.js';

/** An upright, opaque 8-bit RGB image, row-major and interleaved. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

// Raster formats only, as the host's image codec: an SVG is a program for a renderer, not pixels.
const ACCEPTED = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/tiff'];
const SIGNATURES: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))],
  ['image/jpeg', (b) => b.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))],
  ['image/gif', (b) => b.toString('latin1', 0, 4) === 'GIF8'],
  ['image/webp', (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP'],
  ['image/tiff', (b) => ['II*\0', 'MM\0*'].includes(b.toString('latin1', 0, 4))],
];

/**
 * Refuses what is not a raster image before anything is cached or decoded: a declared non-image type,
 * or an undeclared body (octet-stream, blobs, messages) whose first bytes are no known image, is 415;
 * a declared image whose bytes are no raster format is 400, as is any decode failure later.
 */
export function checkMediaType(body: Buffer, contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const sniffed = SIGNATURES.find(([, is]) => is(body))?.[0];
  const declaredImage = ACCEPTED.includes(type);
  if (!declaredImage && type !== '' && type !== 'application/octet-stream') {
    throw new OcrError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content type "${type}" is not accepted; send ${ACCEPTED.join(', ')}`,
    );
  }
  if (sniffed) return;
  if (declaredImage)
    throw new OcrError('UNDECODABLE_IMAGE', `the body is declared ${type} but is no image of a known format`);
  throw new OcrError('UNSUPPORTED_MEDIA_TYPE', `the body is not an image; send ${ACCEPTED.join(', ')}`);
}

/**
 * Decodes with sharp: EXIF orientation applied (photos of pages are often stored sideways), alpha
 * flattened onto white (transparent PNGs would otherwise turn black, and black text with them), 8 bits
 * per channel, gray and CMYK converted to sRGB. libvips checks the pixel limit against the header, so a
 * small file claiming huge dimensions is refused before it is decoded.
 */
export async function decodeImage(body: Buffer, maxPixels: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(body, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (e) {
    const message = (e as Error).message;
    if (/pixel limit/i.test(message)) {
      throw new OcrError('IMAGE_TOO_LARGE', `the image has more than ${maxPixels} pixels`, { cause: e });
    }
    throw new OcrError('UNDECODABLE_IMAGE', `the image cannot be decoded: ${message}`, { cause: e });
  }
}
