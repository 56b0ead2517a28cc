// Core Tools cannot be installed here (its installer downloads from outside the npm registry), so each app
// folder is loaded as `func start` loads it after `npm run build`: host.json and package.json `main` from the
// folder, local.settings.json.example's Values as the environment, the worker's working directory the app
// folder, Node 22, and `@azure/functions-core` the registration stand-in (support/load-package.mjs).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { renderTextPage } from '@modelfn/model-builder';
import { blobFunctions } from '@modelfn/score-blob';
import { httpFunctions, jobFunctions } from '@modelfn/score-http';
import { queueFunctions } from '@modelfn/score-queue';
import { serviceBusFunctions } from '@modelfn/score-servicebus';
import { describe, expect, it } from 'vitest';
import { functionApps } from '../src/index.js';
import { loadPackage, type Binding, type Loaded } from './support/load.js';
import { majorOf, NODE_MAJOR } from './support/node22.js';
import { readmeSettings } from './support/readme-settings.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLES = join(ROOT, 'apps', 'local', 'samples');

const as = (trigger: string) => (f: { name: string }) => ({ name: f.name, trigger });

/** What each app defines (src/functions.ts) and the trigger the worker must be handed for each function. */
const DEFINED: Record<string, { name: string; trigger: string }[]> = {
  'score-http': [...httpFunctions.map(as('httpTrigger')), ...jobFunctions.map(as('queueTrigger'))],
  'score-blob': blobFunctions.map(as('blobTrigger')),
  'score-servicebus': serviceBusFunctions.map(as('serviceBusTrigger')),
  'score-queue': queueFunctions.map(as('queueTrigger')),
};

/** Read by the Functions host, not by the app's code. */
const HOST_SETTINGS = new Set(['FUNCTIONS_WORKER_RUNTIME']);

interface LocalSettings {
  IsEncrypted: unknown;
  Values: Record<string, unknown>;
  Host?: { LocalHttpPort?: number };
}

const folderOf = (app: string) => join(ROOT, 'apps', app);
const example = (app: string) =>
  JSON.parse(readFileSync(join(folderOf(app), 'local.settings.json.example'), 'utf8')) as LocalSettings;
const values = (app: string) => example(app).Values as Record<string, string>;
const mainOf = (app: string) =>
  (JSON.parse(readFileSync(join(folderOf(app), 'package.json'), 'utf8')) as { main: string }).main;
const triggers = (f: Loaded['functions'][number]): Binding[] =>
  Object.values(f.bindings).filter((b) => b.direction === 'in' && b.type.endsWith('Trigger'));

function built(app: string): string {
  const main = join(folderOf(app), mainOf(app));
  expect(existsSync(main), `build it first: npm run build (or npx nx run ${app}:build)`).toBe(true);
  return main;
}

const ignoredByGit = (path: string) =>
  promisify(execFile)('git', ['check-ignore', '-q', path], { cwd: ROOT }).then(
    () => true,
    (e: { code?: number }) => (e.code === 1 ? false : Promise.reject(e as Error)),
  );

describe('func start', () => {
  it('finds the Function apps this test knows', () => {
    expect(functionApps()).toEqual(Object.keys(DEFINED).sort());
  });

  describe.each(functionApps())('apps/%s', (app) => {
    it('has a local.settings.json.example for Azurite, the emulator and local Redis; git keeps only the example', async () => {
      const settings = example(app);
      expect(settings.IsEncrypted).toBe(false);
      // Core Tools takes Values as strings only.
      for (const [k, v] of Object.entries(settings.Values)) expect(typeof v, k).toBe('string');
      expect(settings.Values).toMatchObject({
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        REDIS_URL: 'redis://127.0.0.1:6379',
      });
      // The worker runs in the app folder, and a relative MODEL_REPOSITORY is read from there.
      expect(resolve(folderOf(app), values(app).MODEL_REPOSITORY)).toBe(join(ROOT, 'models'));
      expect(await ignoredByGit(`apps/${app}/local.settings.json`)).toBe(true);
      expect(await ignoredByGit(`apps/${app}/local.settings.json.example`)).toBe(false);
    });

    it('is built for Node 22, as Azure runs it', () => {
      const project = readFileSync(join(folderOf(app), 'project.json'), 'utf8');
      const targets = [...project.matchAll(/--target=(\S+)/g)].map((m) => m[1]);
      expect(targets.length).toBeGreaterThan(0);
      expect(new Set(targets)).toEqual(new Set([`node${NODE_MAJOR}`]));
    });

    it('names only settings the app reads and the README documents', () => {
      const bundle = readFileSync(built(app), 'utf8');
      const documented = readmeSettings();
      for (const name of Object.keys(values(app)).filter((n) => !HOST_SETTINGS.has(n))) {
        expect(documented, `${name}: not in the README configuration table`).toContain(name);
        expect(bundle, `${name}: ${app} never reads it`).toContain(name);
      }
    });

    it('registers every function the app defines, with its trigger, on Node 22', async () => {
      const dir = folderOf(app);
      const host = JSON.parse(readFileSync(join(dir, 'host.json'), 'utf8')) as {
        version: string;
        extensionBundle?: { id: string };
      };
      expect(host.version).toBe('2.0');
      // The blob and Service Bus triggers come from the extension bundle, which func start downloads.
      expect(host.extensionBundle?.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
      built(app);
      const env = values(app);
      const loaded = await loadPackage(app, dir, env, 'registration', { cwd: dir });
      expect(majorOf(loaded.node), loaded.node).toBeGreaterThanOrEqual(NODE_MAJOR);
      expect(loaded.programmingModel).toBe('@azure/functions');
      expect(loaded.functions.map((f) => f.name)).toEqual(DEFINED[app].map((d) => d.name));
      for (const [i, f] of loaded.functions.entries()) {
        const [trigger, ...more] = triggers(f);
        expect(more, f.name).toEqual([]);
        expect(trigger.type, f.name).toBe(DEFINED[app][i].trigger);
        // The host resolves every binding's connection from Values: a missing one stops the trigger.
        for (const b of Object.values(f.bindings)) {
          if (typeof b.connection === 'string') expect(Object.keys(env), f.name).toContain(b.connection);
        }
        if (f.name === 'scoreJob') continue;
        if (app === 'score-blob') {
          // Azurite sends no Event Grid events: the example asks the host to scan the container.
          expect(trigger).toMatchObject({
            source: env.BLOB_TRIGGER_SOURCE,
            path: `${env.BLOB_INPUT_CONTAINER}/{name}`,
          });
          expect(env.BLOB_TRIGGER_SOURCE).toBe('LogsAndContainerScan');
        }
        if (app === 'score-servicebus') {
          expect(trigger).toMatchObject({ queueName: env.SERVICEBUS_REQUEST_QUEUE });
        }
        if (app === 'score-queue') {
          expect(trigger).toMatchObject({ queueName: env.QUEUE_REQUEST_QUEUE });
        }
      }
    });
  });

  it('gives each app its own HTTP port, so all of them run at once', () => {
    const ports = functionApps().map((app) => example(app).Host?.LocalHttpPort ?? 7071);
    expect(new Set(ports).size).toBe(ports.length);
    expect(example('score-http').Host?.LocalHttpPort ?? 7071).toBe(7071);
  });

  it('score-http scores a digit and an OCR page from the repository models the example points at', async () => {
    const dir = folderOf('score-http');
    built('score-http');
    const lines = ['Invoice 2024-0917', 'Total due: 193.93 EUR'];
    const work = mkdtempSync(join(tmpdir(), 'modelfn-func-start-'));
    try {
      const page = join(work, 'page.png');
      writeFileSync(page, (await renderTextPage('func-start-page', lines)).png);
      // Without a Redis to talk to, the in-process cache stands in; nothing else differs from func start.
      const { REDIS_URL: _redis, ...env } = values('score-http');
      const loaded = await loadPackage(
        'score-http',
        dir,
        { ...env, PROBE_IMAGE: join(SAMPLES, 'digit-7.png'), PROBE_PAGE: page },
        'score-http',
        { cwd: dir },
      );
      const result = loaded.result as Record<string, { status: number; model?: string; body: unknown }>;
      expect(result.index.body).toEqual([
        { name: 'mnist', version: '1', state: 'READY' },
        { name: 'ocr', version: '1', state: 'READY' },
      ]);
      expect(result.score).toEqual({ status: 200, model: 'mnist:1', body: [7] });
      // The repository holds score.ts beside the dist/score.js the build compiled; Node 22 must run the latter.
      expect(result.page).toMatchObject({ status: 200, model: 'ocr:1', body: { text: lines.join('\n') } });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
