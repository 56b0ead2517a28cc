import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit gray PNG whose header says `width` × `height` and whose IDAT is the given zlib stream. */
function grayPng(width: number, height: number, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8 bits, gray, deflate, adaptive filtering, not interlaced
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A valid 8-bit gray PNG of `width` × `height` black pixels. Its IDAT really inflates to every row: a
 * 16,777,216 × 1 image is a ~16 KiB file that decodes to 16 MiB (a decompression bomb).
 */
export function blackPng(width: number, height: number): Buffer {
  // Each row: filter byte 0, then `width` zero samples.
  return grayPng(width, height, deflateSync(Buffer.alloc((width + 1) * height), { level: 9 }));
}

/**
 * A well-formed ~200-byte PNG whose header claims `width` × `height` while its IDAT holds only 1 KiB of
 * pixels: a decompression bomb's calling card, refused by the header alone.
 */
export function pngClaiming(width: number, height: number): Buffer {
  return grayPng(width, height, deflateSync(Buffer.alloc(1024)));
}

/**
 * An SVG of `depth` levels of `fanout` nested `<use>`s: 1.5 KB that asks librsvg to draw fanout^depth
 * rectangles (seconds of CPU), the "billion laughs" of SVG.
 */
export function svgBomb(depth = 5, fanout = 10): Buffer {
  const levels = [`<g id="l0"><rect width="1" height="1"/></g>`];
  for (let d = 1; d <= depth; d++)
    levels.push(`<g id="l${d}">${`<use href="#l${d - 1}"/>`.repeat(fanout)}</g>`);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><defs>${levels.join('')}</defs>` +
      `<use href="#l${depth}"/></svg>`,
  );
}

/** A plain 28x28 SVG: a white square on black. */
export const SMALL_SVG = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28">' +
    '<rect width="28" height="28" fill="black"/><rect x="8" y="8" width="12" height="12" fill="white"/></svg>',
);
