import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OcrError } from './errors.js';
import { decoderFor } from './pdf-filters.js';

// A decompression bomb is a small PDF whose streams decode to gigabytes: pdf.js would decode them into
// memory while it parses (a content stream) or renders (an image), and the process would run out of
// memory before any bound of ours saw a page. So every stream of the file is decoded here first (its
// general-purpose filters: pdf-filters.ts), counted and thrown away chunk by chunk, against one budget for
// the whole document. Streams are found by
// their keywords in the raw bytes, not through the xref table: pdf.js repairs a broken table by the same
// scan, so a stream a damaged table hides from us would not be hidden from it.

const STREAM = Buffer.from('stream', 'latin1');
const ENDSTREAM = Buffer.from('endstream', 'latin1');
/** How far back from `stream` a dictionary is looked for (a stream dictionary is rarely over 1 KiB). */
const DICT_WINDOW = 4096;

class OverBudget extends Error {}

/**
 * The stream's bytes in small slices, so no decoder turns one input chunk into more than the budget's
 * worth before the count downstream sees it (512 bytes of LZW are at most about 1.4 MB).
 */
function* slices(data: Buffer, size = 512): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/**
 * Bytes `data` decodes to through `stages` (its filters' decoders, in order), every stage's output counted
 * (pdf.js holds each), up to `limit` + 1 (then stopped). A second layer is how a bomb hides from a count of
 * the first: 1 KB inflates to 300 KB, which inflates to 300 MB. A damaged stream counts what it gave, as
 * pdf.js reads one up to its damage.
 */
async function decodedSize(data: Buffer, stages: Transform[], limit: number): Promise<number> {
  let total = 0;
  const parts: Transform[] = [];
  for (const stage of stages) {
    parts.push(stage);
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
    await pipeline([Readable.from(slices(data)), ...parts, discard]);
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
 * Refuses (413 DOCUMENT_TOO_LARGE) a PDF whose streams decode to more than `budget` bytes in all, through
 * their general-purpose filters (Flate, LZW, RunLength, ASCIIHex, ASCII85: pdf-filters.ts) in a row.
 * Image codecs (DCT, JPX, JBIG2, CCITT) end the count: pdf.js decodes them within a page's pixels.
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
    // The filters in order up to the first that is not measured (an image codec).
    const stages: Transform[] = [];
    for (const f of filtersBefore(pdf, at)) {
      const d = decoderFor(f);
      if (!d) break;
      stages.push(d);
    }
    if (stages.length > 0) {
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
