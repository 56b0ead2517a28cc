import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { maskModel } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postBytes, type ErrorBody } from './support/http.js';

// POST /score answered as an image (Accept: image/png, image/webp, image/*) through the real HTTP app, on
// models built in code whose mask is the mean of the sent pixels' channels (model-builder's maskModel).
const SIDE = 8;
let app: AppUnderTest;
let root: string;

function model(name: string, config: object): void {
  mkdirSync(join(root, name, '1'), { recursive: true });
  writeFileSync(join(root, name, '1', 'model.onnx'), maskModel(SIDE));
  writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-image-answers-'));
  const image = { width: SIDE, height: SIDE, resize: 'fit' };
  model('seg', { preprocessing: { image }, postprocessing: { image: { output: 'mask', threshold: 0.5 } } });
  model('cutout', { preprocessing: { image }, postprocessing: { image: { mode: 'alpha' } } });
  model('plain', { preprocessing: { image } });
  app = await startApp({ modelRepository: root });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

/** A 40x20 PNG: white on the left half, dark red on the right. */
const photo = () => {
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let i = 0; i < 40 * 20; i++) raw.set(i % 40 < 20 ? [255, 255, 255] : [90, 0, 0], i * 3);
  return sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
    .png()
    .toBuffer();
};

const post = async (model: string, accept?: string, query = '') =>
  postBytes<Buffer | ErrorBody>(`${app.url}/score${query}`, await photo(), 'image/png', {
    'x-model': model,
    ...(accept ? { accept } : {}),
  });

async function pixels(body: Buffer) {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  const meta = await sharp(body).metadata();
  return {
    meta,
    at: (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels),
    ],
  };
}

describe('POST /score with Accept: image/png', () => {
  it('answers the mask as a PNG the size of the sent image, letterbox undone, thresholded', async () => {
    const r = await post('seg', 'image/png');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('x-output-name')).toBe('mask');
    expect(r.headers.get('x-model')).toBe('seg:1');
    expect(r.headers.get('x-cache')).toBe('miss');
    const { meta, at } = await pixels(r.body as Buffer);
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 40, 20, 1]);
    // White: mean 1 → 255; dark red: mean 30/255 → under the threshold → 0. The letterbox is gone.
    for (const y of [0, 10, 19]) {
      expect(at(3, y)[0]).toBe(255);
      expect(at(36, y)[0]).toBe(0);
    }
    const again = await post('seg', 'image/png');
    expect(again.headers.get('x-cache')).toBe('hit');
    expect((again.body as Buffer).equals(r.body as Buffer)).toBe(true);
  });

  it('answers WebP for image/webp, and the configured format for image/*', async () => {
    const webp = await post('seg', 'image/webp');
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(webp.body as Buffer).metadata()).format).toBe('webp');
    const any = await post('seg', 'image/*');
    expect(any.headers.get('content-type')).toBe('image/png');
  });

  it('answers a cut-out for mode "alpha": the sent pixels, the mask as alpha', async () => {
    const r = await post('cutout', 'image/png');
    expect(r.status).toBe(200);
    const { meta, at } = await pixels(r.body as Buffer);
    expect([meta.width, meta.height, meta.channels]).toEqual([40, 20, 4]);
    expect(at(3, 10)).toEqual([255, 255, 255, 255]);
    expect(at(36, 10)).toEqual([90, 0, 0, 30]);
  });

  it('keeps JSON without that Accept, or when JSON is accepted too', async () => {
    for (const accept of [undefined, '*/*', 'application/json, image/png']) {
      const r = await post('seg', accept);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(Object.keys((r.body as unknown as Record<string, unknown>[])[0])).toEqual([
        'mask',
        'half',
        'image',
      ]);
    }
  });

  it('refuses with 406 NOT_ACCEPTABLE a model without postprocessing.image, several rows, or other outputs', async () => {
    const none = await post('plain', 'image/png');
    expect(none.status).toBe(406);
    expect((none.body as ErrorBody).code).toBe('NOT_ACCEPTABLE');
    expect((none.body as ErrorBody).error).toContain('postprocessing.image');
    const rows = await call<ErrorBody>(`${app.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-model': 'seg', accept: 'image/png' },
      body: JSON.stringify({
        data: [0, 1].map(() =>
          [0, 1, 2].map(() => Array.from({ length: SIDE }, () => new Array(SIDE).fill(0))),
        ),
      }),
    });
    expect(rows.status).toBe(406);
    expect(rows.body.error).toContain('2 rows');
    const other = await post('seg', 'image/png', '?outputs=half');
    expect(other.status).toBe(406);
    expect((other.body as ErrorBody).error).toContain('"half"');
  });

  it('documents image/png and image/webp answers in /swagger.json for the models that give them', async () => {
    const r = await call<{
      paths: Record<
        string,
        {
          post: {
            responses: Record<string, { content: Record<string, { schema: { description: string } }> }>;
          };
        }
      >;
    }>(`${app.url}/swagger.json`);
    const ok = r.body.paths['/score'].post.responses['200'].content;
    expect(Object.keys(ok)).toEqual(expect.arrayContaining(['image/png', 'image/webp']));
    const says = ok['image/png'].schema.description;
    expect([says.includes('seg'), says.includes('cutout'), says.includes('plain')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('says in the v2 model metadata which models answer images, and how (the playground asks for one)', async () => {
    type Meta = { parameters: Record<string, unknown> };
    const cutout = await call<Meta>(`${app.url}/v2/models/cutout`);
    expect(cutout.body.parameters.image_answer).toEqual({ output: 'mask', mode: 'alpha', format: 'png' });
    const seg = await call<Meta>(`${app.url}/v2/models/seg/versions/1`);
    expect(seg.body.parameters.image_answer).toEqual({ output: 'mask', mode: 'mask', format: 'png' });
    const plain = await call<Meta>(`${app.url}/v2/models/plain`);
    expect(plain.body.parameters).not.toHaveProperty('image_answer');
  });
});
