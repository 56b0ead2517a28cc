import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflate } from 'node:zlib';
import { OcrError } from './errors.js';

// A decompression bomb is a small PDF whose Flate streams inflate to gigabytes: pdf.js would inflate them
// into memory while it parses (a content stream) or renders (an image), and the process would run out of
// memory before any bound of ours saw a page. So every Flate stream of the file is inflated here first,
// counted and thrown away chunk by chunk, against one budget for the whole document. Streams are found by
// their keywords in the raw bytes, not through the xref table: pdf.js repairs a broken table by the same
// scan, so a stream a damaged table hides from us would not be hidden from it.

const STREAM = Buffer.from('stream', 'latin1');
const ENDSTREAM = Buffer.from('endstream', 'latin1');
/** How far back from `stream` a dictionary is looked for (a stream dictionary is rarely over 1 KiB). */
const DICT_WINDOW = 4096;

class OverBudget extends Error {}

/**
 * Bytes `data` decodes to through `stages` Flate filters in a row, every stage's output counted (pdf.js
 * holds each), up to `limit` + 1 (then stopped). A second Flate layer is how a bomb hides from a count of
 * the first: 1 KB inflates to 300 KB, which inflates to 300 MB. A damaged stream counts what it gave, as
 * pdf.js reads one up to its damage.
 */
async function decodedSize(data: Buffer, stages: number, limit: number): Promise<number> {
  let total = 0;
  const parts: (Transform | ReturnType<typeof createInflate>)[] = [];
  for (let i = 0; i < stages; i++) {
    parts.push(createInflate({ chunkSize: 64 * 1024 }));
    parts.push(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          total += chunk.length;
          if (total > limit) done(new OverBudget());
          else done(null, chunk);
        },
      }),
    );
  }
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline([Readable.from([data]), ...parts, discard]);
  } catch {
    // Over the budget (total says so) or a damaged stage: what was counted stands.
  }
  return total;
}

/** The stream's filters in order, from the dictionary before its `stream` keyword. */
function filtersBefore(pdf: Buffer, keyword: number): string[] {
  const from = Math.max(0, keyword - DICT_WINDOW);
  const text = pdf.toString('latin1', from, keyword);
  const dict = text.slice(text.lastIndexOf('obj') + 1);
  const m = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dict);
  if (!m) return [];
  return [...m[1].matchAll(/\/([A-Za-z0-9]+)/g)].map((n) => n[1]);
}

/**
 * Refuses (413 DOCUMENT_TOO_LARGE) a PDF whose Flate streams decode to more than `budget` bytes in all,
 * through the Flate filters they start with (any number in a row). Streams under another first filter
 * (DCT, JPX, JBIG2: images, bounded by pixels when pdf.js decodes them; ASCII85, ASCIIHex or LZW before
 * Flate, rare) are not counted, nor what follows a filter other than Flate.
 */
export async function checkDecodedSize(pdf: Buffer, budget: number): Promise<void> {
  let used = 0;
  let at = pdf.indexOf(STREAM);
  while (at >= 0) {
    // The keyword, not `endstream` nor a name like /stream: then an end of line, and the data after it.
    const isKeyword =
      pdf.toString('latin1', Math.max(0, at - 3), at) !== 'end' &&
      (pdf[at + 6] === 0x0a || pdf[at + 6] === 0x0d);
    if (!isKeyword) {
      at = pdf.indexOf(STREAM, at + STREAM.length);
      continue;
    }
    let start = at + 6;
    if (pdf[start] === 0x0d) start++;
    if (pdf[start] === 0x0a) start++;
    const endKeyword = pdf.indexOf(ENDSTREAM, start);
    const end = endKeyword < 0 ? pdf.length : endKeyword;
    const filters = filtersBefore(pdf, at);
    const flate = filters.findIndex((f) => f !== 'FlateDecode' && f !== 'Fl');
    const stages = flate < 0 ? filters.length : flate;
    if (stages > 0) {
      used += await decodedSize(pdf.subarray(start, end), stages, budget - used);
      if (used > budget) {
        throw new OcrError(
          'DOCUMENT_TOO_LARGE',
          `the PDF's compressed streams decode to more than ${budget} bytes (OCR_MAX_DECODED_BYTES): ` +
            'a decompression bomb, or a document to split or to send with its images as JPEG',
        );
      }
    }
    at = pdf.indexOf(STREAM, end + ENDSTREAM.length);
  }
}
