// What Azure receives from each built app: `apps/<app>/dist/main.js` (the `main` of the app's package.json,
// what `npx nx run <app>:build` writes) loaded in a plain Node process with the stand-in for
// `@azure/functions-core` (support/load-package.mjs), recording every `registerFunction` metadata and hook.
// The local host mounts the definitions; this checks the registration the Functions worker gets.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { httpFunctions } from '@modelfn/score-http';
import { describe, expect, it } from 'vitest';
import { loadPackage, type Binding, type Loaded } from './support/load.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const MODELS = join(ROOT, 'models');

/** Registers `app` from its built bundle with these settings (no others: not this workspace's). */
async function registration(app: string, env: Record<string, string> = {}): Promise<Loaded> {
  const dir = join(ROOT, 'apps', app);
  expect(existsSync(join(dir, 'dist', 'main.js')), `build it first: npx nx run ${app}:build`).toBe(true);
  return loadPackage(app, dir, { MODEL_REPOSITORY: MODELS, LOG_LEVEL: 'silent', ...env }, 'registration');
}

const triggers = (f: Loaded['functions'][number]): Binding[] =>
  Object.values(f.bindings).filter((b) => b.direction === 'in' && b.type.endsWith('Trigger'));
const outputs = (f: Loaded['functions'][number]) =>
  Object.entries(f.bindings)
    .filter(([, b]) => b.direction === 'out')
    .map(([key, b]) => ({ return: key === '$return', type: b.type, path: b.path, connection: b.connection }));

function expectCommon(loaded: Loaded): void {
  expect(loaded.programmingModel).toBe('@azure/functions');
  // One trigger per function, as the worker requires; the invocation observer's hooks are registered too.
  for (const f of loaded.functions) expect(triggers(f), f.name).toHaveLength(1);
  expect(loaded.hooks).toEqual(expect.arrayContaining(['preInvocation', 'postInvocation']));
}

describe('what each built app registers with the Functions worker', () => {
  it('score-blob: an Event Grid blob trigger on images/{name} with its blob outputs', async () => {
    const loaded = await registration('score-blob');
    expectCommon(loaded);
    expect(loaded.functions.map((f) => f.name)).toEqual(['scoreBlob']);
    const [f] = loaded.functions;
    expect(triggers(f)[0]).toMatchObject({
      type: 'blobTrigger',
      path: 'images/{name}',
      connection: 'AzureWebJobsStorage',
      source: 'EventGrid',
    });
    expect(outputs(f)).toEqual(
      expect.arrayContaining([
        { return: true, type: 'blob', path: 'predictions/{name}.json', connection: 'AzureWebJobsStorage' },
        {
          return: false,
          type: 'blob',
          path: 'predictions/{name}.error.json',
          connection: 'AzureWebJobsStorage',
        },
      ]),
    );
    // The record, the error record, and an image answer's PNG or WebP (postprocessing.image).
    expect(outputs(f).map((o) => o.path)).toEqual(
      expect.arrayContaining(['predictions/{name}.png', 'predictions/{name}.webp']),
    );
    expect(outputs(f)).toHaveLength(4);
  });

  it('score-blob: BLOB_TRIGGER_SOURCE=LogsAndContainerScan registers the polling trigger; containers follow their settings', async () => {
    const loaded = await registration('score-blob', {
      BLOB_TRIGGER_SOURCE: 'LogsAndContainerScan',
      BLOB_INPUT_CONTAINER: 'uploads',
      BLOB_OUTPUT_CONTAINER: 'results',
    });
    const [f] = loaded.functions;
    expect(triggers(f)[0]).toMatchObject({
      type: 'blobTrigger',
      path: 'uploads/{name}',
      source: 'LogsAndContainerScan',
    });
    expect(
      outputs(f)
        .map((o) => o.path)
        .sort(),
    ).toEqual([
      'results/{name}.error.json',
      'results/{name}.json',
      'results/{name}.png',
      'results/{name}.webp',
    ]);
  });

  it('score-blob: a BLOB_TRIGGER_SOURCE that is neither fails at load, naming the setting and the choices', async () => {
    await expect(registration('score-blob', { BLOB_TRIGGER_SOURCE: 'Polling' })).rejects.toThrow(
      /BLOB_TRIGGER_SOURCE=Polling must be one of EventGrid, LogsAndContainerScan/,
    );
  });

  it('score-http: every HTTP function with its route, methods and auth level, routes unique; its job function', async () => {
    const loaded = await registration('score-http');
    expectCommon(loaded);
    // Requests answered 202 are scored by the app's own Storage Queue function, on AzureWebJobsStorage.
    const isJob = (f: Loaded['functions'][number]) => f.name === 'scoreJob';
    const jobs = loaded.functions.filter(isJob);
    expect(jobs).toHaveLength(1);
    expect(triggers(jobs[0])[0]).toMatchObject({
      type: 'queueTrigger',
      queueName: 'scoring-jobs',
      connection: 'AzureWebJobsStorage',
    });
    const http = loaded.functions.filter((f) => !isJob(f));
    const registered = http.map((f) => {
      const t = triggers(f)[0];
      return { name: f.name, type: t.type, route: t.route, methods: t.methods, authLevel: t.authLevel };
    });
    expect(registered).toEqual(
      httpFunctions.map((f) => ({
        name: f.name,
        type: 'httpTrigger',
        route: f.options.route,
        methods: f.options.methods,
        authLevel: 'anonymous',
      })),
    );
    for (const route of ['score', 'v2', 'v2/models/{model}/infer', 'swagger.json', 'metrics'])
      expect(registered.map((r) => r.route)).toContain(route);
    const keys = registered.flatMap((r) => (r.methods as string[]).map((m) => `${m} ${r.route}`));
    expect(new Set(keys).size).toBe(keys.length);
    // Each answers through its return value: an HTTP output bound to $return.
    for (const f of http) expect(outputs(f)).toEqual([{ return: true, type: 'http' }]);
    // HTTP_AUTH_LEVEL=function, as the template sets it, asks Azure for function keys on every API route;
    // the playground's pages (public files) and liveness/readiness (probes carry no key) stay anonymous.
    const keyed = await registration('score-http', { HTTP_AUTH_LEVEL: 'function' });
    const keyedHttp = keyed.functions.filter((f) => !isJob(f));
    const open = new Set(['playground', 'docs', 'static', 'v2-health-live', 'v2-health-ready']);
    // Loading and unloading models takes the host's master key (Functions' admin level).
    const control = new Set(['v2-repository-load', 'v2-repository-unload']);
    const levelOf = (name: string) =>
      open.has(name) ? 'anonymous' : control.has(name) ? 'admin' : 'function';
    for (const f of keyedHttp) expect(triggers(f)[0].authLevel, f.name).toBe(levelOf(f.name));
    expect(keyedHttp.filter((f) => !open.has(f.name))).toHaveLength(registered.length - open.size);
  });

  it('score-servicebus: a Service Bus queue trigger, batches (cardinality many), on its connection', async () => {
    const loaded = await registration('score-servicebus');
    expectCommon(loaded);
    expect(loaded.functions.map((f) => f.name)).toEqual(['scoreQueue']);
    const [f] = loaded.functions;
    expect(triggers(f)[0]).toMatchObject({
      type: 'serviceBusTrigger',
      queueName: 'scoring-requests',
      connection: 'ServiceBusConnection',
      cardinality: 'many',
    });
    // Replies are sent by the handler (to each message's replyTo), not through an output binding.
    expect(outputs(f)).toEqual([]);
    const renamed = await registration('score-servicebus', { SERVICEBUS_REQUEST_QUEUE: 'other-requests' });
    expect(triggers(renamed.functions[0])[0]).toMatchObject({ queueName: 'other-requests' });
  });
});
