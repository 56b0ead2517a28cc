import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amlInputs, parseAmlBody } from '../../src/decode/aml-json.js';
import { parseJson } from '../../src/decode/parse-json.js';
import { decodeV2Body } from '../../src/decode/v2-request.js';
import { ScoringError } from '../../src/errors.js';
import { codecs } from '../../src/decode/codecs.js';
import { inputStoreFor } from '../../src/cache/input-store.js';
import { RequestDecoder } from '../../src/decode/request-decoder.js';
import { readSettings } from '../../src/settings.js';
import { fakeModel, MapCache } from '../support/fakes.js';

const limits = { maxRequestBytes: 1 << 20, maxImagePixels: 1 << 16, maxBatchRows: 16 };
const features = 4;
/** One FP32 input of 4 values per row, which also takes 2x2 gray images. */
const model = fakeModel({
  features,
  image: { width: 2, height: 2, channels: 1, scale: 1 / 255, invert: false },
}).version;

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
            const aml = parseAmlBody(body);
            if (aml.kind === 'data') {
              const r = amlInputs(model, aml.data, limits);
              expect(r.inputs[0].shape).toEqual([r.rows, features]);
              expect(r.inputs[0].data.length).toBe(r.rows * features);
              expect(r.rows).toBeGreaterThan(0);
              expect(r.rows).toBeLessThanOrEqual(limits.maxBatchRows);
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
          parseJson(Buffer.from(text));
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
            const r = decodeV2Body(Buffer.concat([header, binary]), header.length, model, limits);
            expect(r.inputs![0].shape).toEqual([r.rows, features]);
            expect(r.inputs![0].data.length).toBe(r.rows! * features);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('raw bytes: any bytes under any content type decode or are refused cleanly', async () => {
    const settings = readSettings({ MAX_IMAGE_PIXELS: String(limits.maxImagePixels), MAX_BATCH_ROWS: '16' });
    const decoder = new RequestDecoder(codecs, settings, inputStoreFor(new MapCache()));
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
          await acceptsOrRefusesCleanlyAsync(async () => {
            const r = await decoder.body(model, Buffer.from(bytes), type);
            expect(r.inputs[0].data.length).toBe(r.rows * features);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
