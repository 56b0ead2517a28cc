// Peak RSS of one process serving a 1024×1024 segmentation-shaped model (issue 26 item 6): one selected
// output against every output. Each run is its own process (peak RSS only grows), so run it once per mode:
//   npx tsx tools/bench/src/output-rss.ts one|exposed|all|refused|png|alpha [requests]
// It prints one JSON line: the mode, the answer's JSON bytes (png, alpha: the image's bytes, the mask as a
// PNG at the photo's size or the photo cut out with it, postprocessing.image) and the peak RSS (MiB) after
// the model loaded and after the requests. The HTTP path's work is here (decode, infer, cache write, predictions, JSON).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { segmentationModel } from '@modelfn/model-builder';
import { createScorer, predictions, readSettings, type ModelAnswer } from '@modelfn/scoring';
import sharp from 'sharp';

const mode = process.argv[2] ?? 'one';
const requests = Number(process.argv[3] ?? 3);
const imageMode = mode === 'png' ? 'mask' : mode === 'alpha' ? 'alpha' : undefined;
const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

const root = mkdtempSync(join(tmpdir(), 'modelfn-rss-'));
mkdirSync(join(root, 'seg', '1'), { recursive: true });
writeFileSync(join(root, 'seg', '1', 'model.onnx'), segmentationModel({ side: 1024 }));
writeFileSync(
  join(root, 'seg', 'config.json'),
  JSON.stringify({
    max_batch_size: 1,
    // Mode "exposed": the model exposes its mask only, so not even its warm-up fetches the others.
    ...(mode === 'exposed' ? { outputs: ['mask'] } : {}),
    preprocessing: { image: { width: 1024, height: 1024, color: 'rgb', layout: 'NCHW', scale: 1 / 255 } },
    ...(imageMode ? { postprocessing: { image: { output: 'mask', mode: imageMode } } } : {}),
  }),
);
// A 640×480 photo-like JPEG, as a user would send.
const photo = await sharp({
  create: { width: 640, height: 480, channels: 3, background: { r: 40, g: 120, b: 200 } },
})
  .composite([
    {
      input: Buffer.from(
        '<svg width="640" height="480"><circle cx="320" cy="240" r="150" fill="#e33"/></svg>',
      ),
    },
  ])
  .jpeg()
  .toBuffer();

const scorer = await createScorer(
  readSettings({
    MODEL_REPOSITORY: root,
    CACHE_MODE: 'memory',
    // Every output of this model is 69 MiB of floats: the default (64 MiB) refuses them (mode "refused").
    ...(mode === 'all' ? { MAX_RESPONSE_BYTES: String(1 << 30) } : {}),
  }),
);
await scorer.modelsSettled();
const loaded = peakMiB();
let jsonBytes = 0;
let refused = '';
for (let i = 0; i < requests; i++) {
  try {
    const answer = (await scorer.infer({
      model: 'seg',
      body: photo,
      contentType: 'image/jpeg',
      bypassCache: true,
      ...(mode === 'one' ? { outputs: ['mask'] } : {}),
      ...(imageMode ? { image: { required: true } } : {}),
    })) as ModelAnswer;
    jsonBytes = answer.image?.body.length ?? Buffer.byteLength(JSON.stringify(predictions(answer)));
  } catch (e) {
    refused = (e as { code?: string }).code ?? String(e);
  }
}
console.log(
  JSON.stringify({ mode, requests, jsonBytes, refused, peakAfterLoadMiB: loaded, peakMiB: peakMiB() }),
);
await scorer.close();
rmSync(root, { recursive: true, force: true });
