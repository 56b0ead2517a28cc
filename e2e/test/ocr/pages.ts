import sharp from 'sharp';

/** A rendered test page: the PNG and the text it shows, one entry per line in reading order. */
export interface Page {
  name: string;
  /** Each line as read: its cells joined by one space. */
  lines: string[];
  /** The y of each line's baseline, in pixels. */
  baselines: number[];
  png: Buffer;
}

const COLUMN_X = [40, 420, 700];

export const PAGE_TEXTS: Record<string, string[]> = {
  letter: [
    'Dear customer, thank you for your order.',
    'Your parcel 48213 left our warehouse today.',
    'It should arrive within 3 to 5 working days.',
    'Please keep this note for your records.',
    'Questions? Call us at 0800 555 0199.',
  ],
  invoice: [
    'Invoice number 2024-0917',
    'Date: 12 March 2024',
    'Item one, quantity 7, price 19.99',
    'Item two, quantity 12, price 4.50',
    'Total due: 193.93 EUR',
  ],
  story: [
    'The quick brown fox jumps over the lazy dog.',
    'Pack my box with five dozen liquor jugs.',
    'Sphinx of black quartz, judge my vow.',
    'How vexingly quick daft zebras jump!',
    'A wizard made 360 jobs for 1024 quacking yaks.',
    'Bright vixens jump; dozy fowl quack.',
  ],
  // Tab-separated cells are drawn in columns far apart: the detector boxes each cell on its own and
  // reading order has to put them back on one line.
  columns: ['Item\tQty\tPrice', 'Coffee\t2\t3.80', 'Bagel\t1\t2.25', 'Orange juice\t3\t9.60'],
  words: ['Hello', 'Exit 42', 'Stop', 'Room 1017', 'Yes', 'Open daily'],
  numbers: [
    'Order 7731 shipped on 2023-11-05',
    'Tracking code 9400 1118 9922 3344',
    'Weight 2.75 kg, volume 0.031 m3',
    'Reference 31415 92653 58979',
  ],
};

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Black DejaVu Sans on white, 24 to 32 px, one line per row, left aligned with a margin. */
export async function renderPage(name: string, lines: string[], width = 1000): Promise<Page> {
  const sizes = [28, 24, 32, 26, 30, 24];
  let y = 40;
  const baselines: number[] = [];
  const rows = lines.map((line, i) => {
    const size = sizes[i % sizes.length];
    y += Math.round(size * 1.7);
    baselines.push(y);
    return line
      .split('\t')
      .map(
        (cell, k) =>
          `<text x="${COLUMN_X[k]}" y="${y}" font-family="DejaVu Sans" font-size="${size}" fill="#000">${escape(cell)}</text>`,
      )
      .join('');
  });
  const height = y + 50;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${rows.join('')}</svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return { name, lines: lines.map((l) => l.replace(/\t/g, ' ')), baselines, png };
}

export function renderAll(): Promise<Page[]> {
  return Promise.all(Object.entries(PAGE_TEXTS).map(([name, lines]) => renderPage(name, lines)));
}
