import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAmlJson, parseJson } from '../../src/convert/aml-json.js';
import { rawBytesToRows } from '../../src/convert/raw-bytes.js';
import { parseV2Request } from '../../src/convert/v2-request.js';
import { ScoringError } from '../../src/errors.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 16, maxBatchRows: 16 };
const features = 4;
const pre = { width: 2, height: 2, channels: 1 as const, scale: 1 / 255, invert: false };

/** A converter may accept or refuse, but a refusal is always a ScoringError with a 4xx status. */
function acceptsOrRefusesCleanly(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).status).toBeGreaterThanOrEqual(400);
    expect((e as ScoringError).status).toBeLessThan(500);
  }
}

async function acceptsOrRefusesCleanlyAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).status).toBeLessThan(500);
  }
}

const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, 1e39, -1e39));
const rowish = fc.oneof(fc.array(number, { maxLength: 6 }), fc.array(fc.anything(), { maxLength: 6 }));

describe('converters under fuzzing (fast-check)', () => {
  it('AML JSON: any JSON value is either rows of the right shape or a clean refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ data: fc.oneof(fc.array(rowish, { maxLength: 20 }), fc.jsonValue()) }),
        ),
        (body) => {
          acceptsOrRefusesCleanly(() => {
            const r = parseAmlJson(body, features, limits);
            if (r.kind === 'rows') {
              expect(r.batch.data.length).toBe(r.batch.rows * features);
              expect(r.batch.rows).toBeGreaterThan(0);
              expect(r.batch.rows).toBeLessThanOrEqual(limits.maxBatchRows);
            }
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('JSON text: any string parses or is refused as INVALID_JSON', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseJson(text);
        } catch (e) {
          expect((e as ScoringError).code).toBe('INVALID_JSON');
        }
      }),
    );
  });

  it('v2: any request object is either a valid batch or a clean refusal', () => {
    const tensor = fc.record(
      {
        name: fc.oneof(fc.constant('input'), fc.string()),
        shape: fc.oneof(
          fc.tuple(fc.integer({ min: -1, max: 20 }), fc.constant(features)),
          fc.array(fc.integer({ min: -2, max: 10 }), { maxLength: 4 }),
        ),
        datatype: fc.oneof(
          fc.constant('FP32'),
          fc.constantFrom('FP64', 'INT8', 'BYTES', 'FLOAT', ''),
          fc.string(),
        ),
        data: fc.oneof(
          fc.array(number, { maxLength: 40 }),
          fc.array(fc.array(number, { maxLength: 5 }), { maxLength: 10 }),
          fc.jsonValue(),
        ),
        parameters: fc.option(fc.record({ binary_data_size: fc.integer({ min: -4, max: 64 }) }), {
          nil: undefined,
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.record({
          inputs: fc.array(tensor, { maxLength: 2 }),
          id: fc.option(fc.string(), { nil: undefined }),
        }),
        fc.uint8Array({ maxLength: 64 }),
        (req, binary) => {
          const header = Buffer.from(JSON.stringify(req));
          acceptsOrRefusesCleanly(() => {
            const r = parseV2Request(
              Buffer.concat([header, binary]),
              header.length,
              { name: 'input', features },
              limits,
            );
            expect(r.batch.data.length).toBe(r.batch.rows * features);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('raw bytes: any bytes under any content type decode or are refused cleanly', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000020000000208000000', 'hex');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }),
          fc.uint8Array({ maxLength: 64 }).map((tail) => Uint8Array.from([...png, ...tail])),
        ),
        fc.constantFrom(
          undefined,
          '',
          'image/png',
          'image/jpeg',
          'application/octet-stream',
          'text/plain',
          'image/gif',
        ),
        async (bytes, type) => {
          await acceptsOrRefusesCleanlyAsync(() =>
            rawBytesToRows(Buffer.from(bytes), type, features, pre, limits),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
