// Child process: blob images/s, upload to result blob. Azurite (its own child process), the local host's
// blob source and apps/score-blob's function definitions, as `npm start` runs them; the uploads come from
// here too. argv[2]: image count. Settings (REDIS_URL, BLOB_*) from the environment.
import { BlobServiceClient } from '@azure/storage-blob';
import type { InvocationContext } from '@azure/functions';
import { BlobRest, parseConnectionString, startAzurite, startBlobSource } from '@modelfn/local-host';
import { createBlobFunctions, hostJsonPath } from '@modelfn/score-blob';
import { createScorer, readSettings } from '@modelfn/scoring';
import { loadMnist } from '@modelfn/train-mnist';
import pino from 'pino';
import sharp from 'sharp';
import { RESULT_MARK } from '../load/wrk-script.js';
import { cpuSeconds } from '../machine.js';

const count = Number(process.argv[2]);
const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
const scorer = await createScorer(readSettings());
let handled = 0;
let allHandled: () => void = () => undefined;
const done = new Promise<void>((resolve) => (allHandled = resolve));
const functions = createBlobFunctions({
  scorer: async () => scorer,
  inputContainer: 'images',
  outputContainer: 'predictions',
}).map((f) => ({
  ...f,
  options: {
    ...f.options,
    handler: async (blob: unknown, context: InvocationContext) => {
      const out = await f.options.handler(blob, context);
      if (++handled === count) allHandled();
      return out;
    },
  },
}));
const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
const images = service.getContainerClient('images');
await images.createIfNotExists();
await service.getContainerClient('predictions').createIfNotExists();

// Distinct digits (MNIST test images 0..count-1), encoded before the clock starts.
const mnist = loadMnist('test').images;
const pngs = await Promise.all(
  Array.from({ length: count }, (_, i) =>
    sharp(Buffer.from(mnist.subarray((i % 10_000) * 784, ((i % 10_000) + 1) * 784)), {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .png()
      .toBuffer(),
  ),
);
const source = await startBlobSource({
  functions,
  connectionString: azurite.connectionString,
  hostJsonPath,
  hostId: 'bench',
  logger: pino({ level: 'warn' }),
});

// The uploads are the load: sent with the local host's lean client (one PUT each, like wrk for HTTP) so that
// the load generator takes as little as possible of the CPU it shares with what it measures.
const uploader = new BlobRest(parseConnectionString(azurite.connectionString));
const started = performance.now();
const cpuBefore = { ours: process.cpuUsage(), azurite: cpuSeconds(azurite.pid) };
const UPLOADERS = 16;
let next = 0;
await Promise.all(
  Array.from({ length: UPLOADERS }, async () => {
    while (next < count) {
      const i = next++;
      await uploader.put('images', `digit-${i}.png`, pngs[i], 'image/png');
    }
  }),
);
const uploadedS = (performance.now() - started) / 1000;
await Promise.race([done, new Promise((r) => setTimeout(r, 180_000))]);
// The source writes each result blob once its handler has returned: the clock stops when all exist.
const countResults = async () => {
  let n = 0;
  for await (const b of service.getContainerClient('predictions').listBlobsFlat())
    if (b.name.endsWith('.png.json')) n++;
  return n;
};
let results = await countResults();
for (let tries = 0; results < count && tries < 200; tries++) {
  await new Promise((r) => setTimeout(r, 20));
  results = await countResults();
}
const seconds = (performance.now() - started) / 1000;
// Where the two cores went while the clock ran: Azurite's process, and this one (blob source, scoring and
// the uploads, which are the load generator).
const ourCpu = process.cpuUsage(cpuBefore.ours);
const azuriteAfter = cpuSeconds(azurite.pid);
const cpu = {
  oursS: (ourCpu.user + ourCpu.system) / 1e6,
  azuriteS:
    azuriteAfter !== undefined && cpuBefore.azurite !== undefined
      ? azuriteAfter - cpuBefore.azurite
      : undefined,
};
process.stdout.write(
  `${RESULT_MARK}${JSON.stringify({ count, handled, results, seconds, uploadedS, cpu, pollIntervalMs: Number(process.env.BLOB_POLL_INTERVAL_MS) || 250, parallelism: source.parallelism })}\n`,
);
await source.close();
uploader.close();
await scorer.close();
await azurite.stop();
process.exit(0);
