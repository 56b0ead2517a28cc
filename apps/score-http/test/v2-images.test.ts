import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageIdentityModel } from '@modelfn/model-builder';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp, type AppUnderTest } from './support/app-host.js';
import { call, postJson } from './support/http.js';

// POST /v2/models/{m}/infer with an image (issue 26 item 2): the image model's input as a BYTES tensor of
// encoded images, base64 in JSON or raw after the JSON header (binary tensor extension).
let app: AppUnderTest;
let root: string;
let png: Buffer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'modelfn-v2-images-'));
  mkdirSync(join(root, 'photo', '1'), { recursive: true });
  writeFileSync(join(root, 'photo', '1', 'model.onnx'), imageIdentityModel([null, 3, 2, 2]));
  writeFileSync(
    join(root, 'photo', 'config.json'),
    JSON.stringify({
      preprocessing: { image: { width: 2, height: 2, color: 'rgb', layout: 'NCHW', scale: 1 / 255 } },
    }),
  );
  png = await sharp(Buffer.alloc(12, 255), { raw: { width: 2, height: 2, channels: 3 } })
    .png()
    .toBuffer();
  app = await startApp({ modelRepository: root });
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

const INFER = '/v2/models/photo/infer';
const white = new Array(12).fill(1);

it('answers a base64 image sent in JSON', async () => {
  const r = await postJson<{ outputs: { name: string; shape: number[]; data: number[] }[] }>(
    `${app.url}${INFER}`,
    {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [png.toString('base64')] }],
    },
  );
  expect(r.status).toBe(200);
  expect(r.body.outputs[0]).toMatchObject({ name: 'pixels', shape: [1, 3, 2, 2], data: white });
});

it('answers a raw image sent in the binary tensor extension', async () => {
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: png.length + 4 } },
      ],
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(png.length);
  const r = await call<{ outputs: { data: number[] }[] }>(`${app.url}${INFER}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    },
    body: Buffer.concat([header, length, png]),
  });
  expect(r.status).toBe(200);
  expect(r.body.outputs[0].data).toEqual(white);
});
