import sharp from 'sharp';
import { OcrError } from './errors.js';

/** An upright, opaque 8-bit RGB image, row-major and interleaved. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes with sharp: EXIF orientation applied (photos of pages are often stored sideways), alpha
 * flattened onto white (transparent PNGs would otherwise turn black, and black text with them), 8 bits
 * per channel, gray and CMYK converted to sRGB. libvips checks the pixel limit against the header, so a
 * small file claiming huge dimensions is refused before it is decoded. `page`: one page of a multi-page TIFF.
 */
export async function decodeImage(body: Buffer, maxPixels: number, page?: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(body, { limitInputPixels: maxPixels, failOn: 'error', page })
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
