import sharp from 'sharp';

/** A rendered page of text: the PNG and its lines in reading order (cells of a line joined by a space). */
export interface TextPage {
  name: string;
  lines: string[];
  /** The y of each line's baseline, in pixels. */
  baselines: number[];
  png: Buffer;
}

const COLUMN_X = [40, 420, 700];
const SIZES = [28, 24, 32, 26, 30, 24];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Black DejaVu Sans on white, 24 to 32 px, one line per row, left aligned with a margin; a tab puts the
 * rest of a line in a column further right. For OCR tests and benchmarks (fonts-dejavu-core must be
 * installed: sharp renders the SVG with the system's fonts; Chinese pages name `font` "WenQuanYi Micro
 * Hei", from fonts-wqy-microhei).
 */
export async function renderTextPage(
  name: string,
  lines: string[],
  width = 1000,
  font = 'DejaVu Sans',
): Promise<TextPage> {
  let y = 40;
  const baselines: number[] = [];
  const rows = lines.map((line, i) => {
    const size = SIZES[i % SIZES.length];
    y += Math.round(size * 1.7);
    baselines.push(y);
    return line
      .split('\t')
      .map(
        (cell, k) =>
          `<text x="${COLUMN_X[k]}" y="${y}" font-family="${font}" font-size="${size}" fill="#000">${escape(cell)}</text>`,
      )
      .join('');
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 50}"><rect width="100%" height="100%" fill="#fff"/>${rows.join('')}</svg>`;
  return {
    name,
    lines: lines.map((l) => l.replace(/\t/g, ' ')),
    baselines,
    png: await sharp(Buffer.from(svg)).png().toBuffer(),
  };
}

const WORDS = [
  'order',
  'parcel',
  'invoice',
  'total',
  'date',
  'customer',
  'delivery',
  'number',
  'account',
  'payment',
  'station',
  'window',
  'garden',
  'river',
  'yellow',
  'market',
  'coffee',
  'ticket',
  'summer',
  'letter',
];

/** The `i`-th of an endless list of distinct lines: a few words from a fixed list and a number. */
export function textLine(i: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
  return `${w(0)} ${w(1)} ${w(2)} ${1000 + i}`;
}
