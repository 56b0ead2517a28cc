import { existsSync } from 'node:fs';
import { renderTextPage, type TextPage } from '@modelfn/model-builder';
import sharp from 'sharp';

/** A rendered test page: the PNG and the text it shows, one entry per line in reading order. */
export type Page = TextPage;

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

export const renderPage = renderTextPage;

/**
 * Ordinary simplified Chinese: a notice of full sentences with Chinese punctuation, and an invoice of
 * fields after full-width colons and two table rows (tab-separated cells, read back joined by a space).
 * No spaces between Chinese and digits: Chinese text does not use them, and the recognizer (trained on
 * Chinese) drops them ("发票号码 2024-0917" reads "发票号码2024-0917").
 */
export const CHINESE_PAGE_TEXTS: Record<string, string[]> = {
  'zh-notice': [
    '尊敬的客户，感谢您的订购。',
    '您的包裹已于今天从仓库发出。',
    '预计三到五个工作日内送达。',
    '如有疑问，请拨打客服电话。',
    '请妥善保管本通知以备查询。',
  ],
  'zh-invoice': [
    '发票号码：2024-0917',
    '开票日期：2024年3月12日',
    '办公用纸\t7\t139.93元',
    '快递服务\t12\t54.00元',
    '合计金额：193.93元',
  ],
};

const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

/** A Chinese page in WenQuanYi Micro Hei (fonts-wqy-microhei), laid out as renderPage's pages are. */
export function renderChinesePage(name: string, lines: string[]): Promise<Page> {
  // Without the font librsvg draws empty boxes, and the test would fail on accuracy with no hint why.
  if (!existsSync(CJK_FONT)) {
    throw new Error(`${CJK_FONT} is missing: apt-get install fonts-wqy-microhei (as .ci/run does)`);
  }
  return renderTextPage(name, lines, 1000, 'WenQuanYi Micro Hei');
}

export function renderAll(): Promise<Page[]> {
  return Promise.all(Object.entries(PAGE_TEXTS).map(([name, lines]) => renderPage(name, lines)));
}

/** A line of a page drawn by renderLines: its text, baseline (pixels from the top) and font size. */
export interface PlacedLine {
  text: string;
  baseline: number;
  size: number;
}

/**
 * A page of lines drawn where told (black DejaVu Sans on white at x = 40), for pages that share lines at
 * other heights. librsvg draws a line the same, pixel for pixel, at any whole-pixel baseline.
 */
export async function renderLines(name: string, lines: PlacedLine[], height: number): Promise<Page> {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const text = lines
    .map(
      (l) =>
        `<text x="40" y="${l.baseline}" font-family="DejaVu Sans" font-size="${l.size}" fill="#000">${escape(l.text)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  return {
    name,
    lines: lines.map((l) => l.text),
    baselines: lines.map((l) => l.baseline),
    png: await sharp(Buffer.from(svg)).png().toBuffer(),
  };
}
