import { blackPng, SMALL_SVG, svgBomb } from '@modelfn/model-builder';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DecodeBudget, decodeBudget } from '../../src/decode/decode-budget.js';
import { defaultCodecs } from '../../src/decode/default-codecs.js';
import { sniffImageFormat } from '../../src/decode/image-format.js';
import { imageTensorRow } from '../../src/decode/image.js';
import { ScoringError } from '../../src/errors.js';
import { parseImagePreprocessing } from '../../src/model/image-preprocessing.js';

const limits = { maxImagePixels: 4096 * 4096 };
const gray = parseImagePreprocessing({ width: 28, height: 28, color: 'gray', layout: 'flat' }, 'test');
const svgOk = parseImagePreprocessing({ width: 28, height: 28, color: 'gray', allowSvg: true }, 'test');

async function refusal(p: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ScoringError)) throw e;
    return { code: e.code, status: e.status, message: e.message };
  }
  return { code: 'none', status: 200, message: '' };
}

describe('image decoding: only the declared format (issue 14 item 5)', () => {
  it('an SVG sent as image/png is refused with 415 before anything renders it', async () => {
    const bomb = svgBomb();
    expect(bomb.length).toBeLessThan(2048);
    expect(sniffImageFormat(bomb)).toBe('svg');
    // The media type picks the PNG codec; the bytes are not a PNG.
    expect(defaultCodecs().effectiveType(bomb, 'image/png')).toBe('image/png');
    // Refused by its sniffed format, before a decoder sees it (rendering it would take seconds of CPU).
    const r = await refusal(imageTensorRow(bomb, gray, limits, 'png'));
    expect(r).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    expect(r.message).toContain('SVG');
  });

  it('SVG is refused even as image/svg+xml, unless the model opts in (preprocessing.image.allowSvg)', async () => {
    expect(await refusal(imageTensorRow(SMALL_SVG, gray, limits, 'svg'))).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    const row = await imageTensorRow(SMALL_SVG, svgOk, limits, 'svg');
    expect(row).toHaveLength(28 * 28);
    expect(row[0]).toBe(0);
    expect(row[14 * 28 + 14]).toBeCloseTo(1, 2);
  });

  it('a JPEG sent as image/png, or bytes of no known format, are refused', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    expect(await refusal(imageTensorRow(jpeg, gray, limits, 'png'))).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('send it as image/jpeg'),
    });
    expect(await refusal(imageTensorRow(jpeg, gray, limits, 'jpeg'))).toMatchObject({ code: 'none' });
    expect(
      await refusal(imageTensorRow(Buffer.from('GIF89a but not really'), gray, limits, 'png')),
    ).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(await refusal(imageTensorRow(Buffer.from('no image at all'), gray, limits, 'png'))).toMatchObject({
      code: 'UNDECODABLE_IMAGE',
      status: 400,
    });
  });
});

describe('image decoding: size from the header, memory for all decodes in flight', () => {
  it('a 16 KiB PNG that inflates to 16,777,216 x 1 is 413 before it is decoded', async () => {
    const bomb = blackPng(16_777_216, 1);
    expect(bomb.length).toBeLessThan(32 * 1024);
    // A budget of its own (the settings select it), to show nothing was reserved for a decode.
    const memory = 256 * 1024 * 1024 + 1;
    const r = await refusal(imageTensorRow(bomb, gray, { ...limits, imageDecodeMemoryBytes: memory }, 'png'));
    expect(r).toMatchObject({ code: 'IMAGE_TOO_LARGE', status: 413 });
    expect(r.message).toContain('16777216x1');
    expect(r.message).toContain('MAX_IMAGE_SIDE');
    // Read from the IHDR: nothing was ever reserved for a decode.
    expect(decodeBudget(memory, 64).peak).toBe(0);
  });

  it('an image whose decode alone would exceed the memory budget is 413', async () => {
    const png = blackPng(1000, 1000);
    const r = await refusal(imageTensorRow(png, gray, { ...limits, imageDecodeMemoryBytes: 999_999 }, 'png'));
    expect(r).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: expect.stringContaining('IMAGE_DECODE_MEMORY_BYTES'),
    });
  });

  it('decodes in flight share the budget; beyond the queue they are refused with OVERLOADED (503, Retry-After)', async () => {
    const png = blackPng(2000, 2000); // 4 MB decoded
    // Room for two decodes at once and four waiting; the settings object identifies the process-wide budget.
    const tight = { ...limits, imageDecodeMemoryBytes: 8_000_001, imageDecodeQueue: 4 };
    const results = await Promise.all(
      Array.from({ length: 12 }, () => refusal(imageTensorRow(png, gray, tight, 'png'))),
    );
    const codes = results.map((r) => r.code);
    expect(codes.filter((c) => c === 'none')).toHaveLength(6);
    expect(codes.filter((c) => c === 'OVERLOADED')).toHaveLength(6);
    const overloaded = await imageTensorRow(png, gray, tight, 'png')
      .then(() => undefined)
      .catch((e: unknown) => e);
    // Everything before has finished, so this one runs.
    expect(overloaded).toBeUndefined();
    const budget = decodeBudget(8_000_001, 4);
    expect(budget.peak).toBeLessThanOrEqual(8_000_001);
    expect(budget.peak).toBe(8_000_000);
    expect(budget.inFlight).toBe(0);
  });
});

describe('sharp as image.ts configures it', () => {
  it('keeps no decoded images in its cache and uses one libvips thread per image', () => {
    const { memory, items } = sharp.cache();
    expect({ memory: memory.max, items: items.max }).toEqual({ memory: 0, items: 0 });
    expect(sharp.concurrency()).toBe(1);
  });
});

describe('DecodeBudget', () => {
  it('admits in arrival order, so a big reservation is not starved by small ones', async () => {
    const budget = new DecodeBudget(10, 10);
    const order: string[] = [];
    const first = await budget.reserve(6);
    const big = budget.reserve(8).then((release) => (order.push('big'), release));
    const small = budget.reserve(1).then((release) => (order.push('small'), release));
    await Promise.resolve();
    expect(order).toEqual([]); // 1 byte would fit, but the 8 came first
    first();
    (await big)();
    (await small)();
    expect(order).toEqual(['big', 'small']);
    expect(budget.inFlight).toBe(0);
    expect(budget.peak).toBe(9);
  });

  it('refuses beyond maxQueued with a retry hint', async () => {
    const budget = new DecodeBudget(1, 1);
    const release = await budget.reserve(1);
    const waiting = budget.reserve(1);
    const e = await budget.reserve(1).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).code).toBe('OVERLOADED');
    expect((e as ScoringError).status).toBe(503);
    expect((e as ScoringError).retryAfterSeconds).toBeGreaterThan(0);
    release();
    (await waiting)();
    expect(budget.inFlight).toBe(0);
  });
});
