import { createDeflate, deflateSync } from 'node:zlib';
import sharp from 'sharp';

// PDFs written byte by byte, for the OCR model's tests (e2e/test/ocr) and the packages' probe: well-formed
// documents (text layers, scanned pages, both) and hostile ones (encrypted, broken, decompression bombs)
// that no PDF library would write on purpose.

/** An indirect object: its dictionary (`<< ... >>`) or other value, and a stream when it has one. */
export interface PdfObject {
  value: string;
  /** Written as is; `/Length` is added to `value`. */
  stream?: Buffer;
}

/**
 * A PDF file of `objects` (numbered from 1 in order; object 1 must be the catalog) with a classic xref
 * table. `trailer` is added to the trailer dictionary (`/Encrypt ...`, `/ID [...]`).
 */
export function assemblePdf(objects: PdfObject[], trailer = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0].length;
  const offsets: number[] = [];
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  objects.forEach((o, i) => {
    offsets.push(length);
    if (o.stream) {
      const dict = o.value.replace(/>>\s*$/, ` /Length ${o.stream.length} >>`);
      push(Buffer.from(`${i + 1} 0 obj\n${dict}\nstream\n`, 'latin1'));
      push(o.stream);
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    } else {
      push(Buffer.from(`${i + 1} 0 obj\n${o.value}\nendobj\n`, 'latin1'));
    }
  });
  const xref = length;
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${rows}` +
        `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer} >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

/** A page with a text layer: lines of Helvetica, top to bottom, on a US Letter page (points). */
export interface TextPageSpec {
  kind: 'text';
  lines: string[];
  size?: number;
  /** The page's /Rotate. */
  rotate?: number;
}

/** A scanned page: one image filling the page, no text layer; `dpi` sets the page size from its pixels. */
export interface ScanPageSpec {
  kind: 'scan';
  png: Buffer;
  dpi?: number;
  /** A line of Helvetica drawn over the bottom-left corner (a page number, a Bates stamp): a text layer. */
  stamp?: string;
  /** Invisible lines over the image (text render mode 3), as a scanner's "searchable PDF" adds them. */
  layer?: string[];
}

export type PageSpec = TextPageSpec | ScanPageSpec;

const pdfString = (s: string) => `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/** Where text pages put their lines: x = 72 pt, the first baseline 72 pt below the top, 1.6 × size apart. */
export function textLayout(size: number, index: number): { x: number; baseline: number } {
  return { x: 72, baseline: 792 - 72 - index * size * 1.6 };
}

/**
 * A document of `pages` in order. Text pages use the standard Helvetica (no font embedded: PDF readers,
 * pdf.js too, know its metrics); scanned pages embed their PNG's pixels as a Flate-compressed RGB image.
 */
export async function makePdf(pages: PageSpec[]): Promise<Buffer> {
  // 1 catalog, 2 page tree, 3 font, then per page: page, content, (image).
  const objects: PdfObject[] = [
    { value: '<< /Type /Catalog /Pages 2 0 R >>' },
    { value: '' },
    { value: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>' },
  ];
  const kids: number[] = [];
  for (const spec of pages) {
    const pageNo = objects.length + 1;
    kids.push(pageNo);
    if (spec.kind === 'text') {
      const size = spec.size ?? 14;
      const ops = spec.lines
        .map((line, i) => {
          const { x, baseline } = textLayout(size, i);
          return `BT /F1 ${size} Tf ${x} ${baseline} Td ${pdfString(line)} Tj ET`;
        })
        .join('\n');
      objects.push({
        value:
          `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> ` +
          `/Contents ${pageNo + 1} 0 R${spec.rotate ? ` /Rotate ${spec.rotate}` : ''} >>`,
      });
      objects.push({ value: '<< /Filter /FlateDecode >>', stream: deflateSync(Buffer.from(ops, 'latin1')) });
    } else {
      const { data, info } = await sharp(spec.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const scale = 72 / (spec.dpi ?? 150);
      const w = info.width * scale;
      const h = info.height * scale;
      const stamp = spec.stamp ? `\nBT /F1 11 Tf 20 7 Td ${pdfString(spec.stamp)} Tj ET` : '';
      const layer = (spec.layer ?? [])
        .map((line, i) => `\nBT 3 Tr /F1 12 Tf 20 ${h - 20 - i * 18} Td ${pdfString(line)} Tj ET`)
        .join('');
      objects.push({
        value:
          `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] ` +
          `/Resources << /XObject << /Im0 ${pageNo + 2} 0 R >> /Font << /F1 3 0 R >> >> /Contents ${pageNo + 1} 0 R >>`,
      });
      objects.push({
        value: '<< >>',
        stream: Buffer.from(`q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q${stamp}${layer}`, 'latin1'),
      });
      objects.push({
        value:
          `<< /Type /XObject /Subtype /Image /Width ${info.width} /Height ${info.height} ` +
          `/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode >>`,
        stream: deflateSync(data),
      });
    }
  }
  objects[1] = {
    value: `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`,
  };
  return assemblePdf(objects);
}

/** A one-page PDF (any text) encrypted with a user password: its /Encrypt entry needs one to open. */
export function encryptedPdf(): Buffer {
  const hex = (n: number) => Buffer.alloc(32, n).toString('hex');
  return assemblePdf(
    [
      { value: '<< /Type /Catalog /Pages 2 0 R >>' },
      { value: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
      { value: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>' },
      { value: '<< >>', stream: Buffer.from('0123456789abcdef', 'latin1') },
      // RC4 40-bit (revision 2); /U is not what the empty password gives, so a reader asks for one.
      { value: `<< /Filter /Standard /V 1 /R 2 /O <${hex(0x11)}> /U <${hex(0x22)}> /P -4 >>` },
    ],
    `/Encrypt 5 0 R /ID [<${'ab'.repeat(16)}> <${'ab'.repeat(16)}>]`,
  );
}

/**
 * `count` bytes of `byte` as PDF's LZW codes (9-12 bits, widths one code early): a run encodes as codes
 * whose strings grow by one byte each, about 7 MB per 5.7 KB dictionary, then a clear code.
 */
export function lzwRun(count: number, byte: number): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let width = 9;
  const put = (code: number) => {
    acc = (acc << width) | code;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  let left = count;
  while (left > 0) {
    put(256);
    width = 9;
    put(byte);
    left -= 1;
    // Code k (258 on) is the run of k - 256 bytes; the decoder adds entry k as it reads it.
    for (let k = 258, next = 258; k <= 4094 && left >= k - 256; k++) {
      put(k);
      left -= k - 256;
      next++;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
    // A rest shorter than the next code's run starts a new dictionary.
  }
  put(257);
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Buffer.from(out);
}

/** `data` as RunLength literal runs (no compression): a filter a bomb's Flate layer can hide behind. */
function runLengthLiterals(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 128) {
    const run = data.subarray(i, i + 128);
    parts.push(Buffer.from([run.length - 1]), run);
  }
  parts.push(Buffer.from([128]));
  return Buffer.concat(parts);
}

/**
 * A one-page PDF whose content stream is `decoded` bytes of spaces Flate-compressed about 1000 to 1: a
 * decompression bomb (300 MB decoded is 300 KB of file; deflated again, `layers` 2, about 1 KB). Deflated
 * in chunks, so the test never holds the decoded bytes either. `outer`: the Flate bytes hex-encoded or as
 * run-length literals under a filter before Flate's; or LZW instead of Flate (about 1300 to 1).
 */
export async function bombPdf(
  decoded: number,
  layers = 1,
  outer?: 'ASCIIHexDecode' | 'RunLengthDecode' | 'LZWDecode',
): Promise<Buffer> {
  let stream: Buffer;
  let filters: string[];
  if (outer === 'LZWDecode') {
    stream = lzwRun(decoded, 0x20);
    filters = ['/LZWDecode'];
  } else {
    const deflate = createDeflate({ level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => deflate.on('end', resolve));
    const chunk = Buffer.alloc(1 << 20, 0x20);
    for (let left = decoded; left > 0; left -= chunk.length) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      if (!deflate.write(part)) await new Promise((r) => deflate.once('drain', r));
    }
    deflate.end();
    await done;
    // More layers: the deflated bytes deflated again, each a Flate filter of the stream.
    stream = Buffer.concat(out);
    for (let i = 1; i < layers; i++) stream = deflateSync(stream, { level: 9 });
    filters = Array.from({ length: layers }, () => '/FlateDecode');
    if (outer === 'ASCIIHexDecode') stream = Buffer.from(`${stream.toString('hex')}>`, 'latin1');
    if (outer === 'RunLengthDecode') stream = runLengthLiterals(stream);
    if (outer) filters.unshift(`/${outer}`);
  }
  return assemblePdf([
    { value: '<< /Type /Catalog /Pages 2 0 R >>' },
    { value: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    { value: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>' },
    { value: `<< /Filter [${filters.join(' ')}] >>`, stream },
  ]);
}

/**
 * A one-page PDF whose lines are drawn in STSong-Light (a CJK font readers know, not embedded) through
 * the predefined CMap UniGB-UCS2-H: its text layer maps to Unicode only with that CMap, as Chinese PDFs
 * written by office suites do.
 */
export function cjkTextPdf(lines: string[]): Buffer {
  const ops = lines
    .map((line, i) => {
      const codes = Buffer.from(line, 'utf16le').swap16().toString('hex');
      return `BT /F2 14 Tf 72 ${720 - i * 24} Td <${codes}> Tj ET`;
    })
    .join('\n');
  return assemblePdf([
    { value: '<< /Type /Catalog /Pages 2 0 R >>' },
    { value: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    {
      value:
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F2 5 0 R >> >> /Contents 4 0 R >>',
    },
    { value: '<< >>', stream: Buffer.from(ops, 'latin1') },
    {
      value:
        '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>',
    },
    {
      value:
        '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) ' +
        '/Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>',
    },
    {
      value:
        '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 ' +
        '/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    },
  ]);
}
