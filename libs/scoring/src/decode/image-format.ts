/** The image formats a body may hold, named as sharp's metadata().format names them. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'svg';

/** Media type → the one format a body of that type may be decoded as. */
export const IMAGE_MEDIA_TYPES: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
  'image/svg+xml': 'svg',
};

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** An SVG is XML text: markup (after an optional BOM and blanks) with an `<svg` element early on. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('<') && /<svg[\s>/]/i.test(head);
}

/**
 * The format a body's first bytes announce, or undefined for none we know. libvips picks its loader from
 * the same signatures, so checking them against the declared type before sharp sees the bytes is what keeps
 * an SVG (a program for a renderer: a 1.6 KB file of nested `<use>` costs seconds of CPU) sent as
 * image/png from ever being rendered.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && ascii(bytes, 1, 4) === 'PNG' && bytes[0] === 0x89) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) return 'gif';
  if (bytes.length >= 4 && ['II*\0', 'MM\0*'].includes(ascii(bytes, 0, 4))) return 'tiff';
  if (looksLikeSvg(bytes)) return 'svg';
  return undefined;
}
