import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HttpFunctionOptions, HttpHandler } from '@azure/functions';
import { invocationObserver, type HttpFunctionDefinition } from '@modelfn/functions';
import { routePrefixFromHostJson, startHttpHost } from '@modelfn/local-host';
import { sklearnClassifier } from '@modelfn/model-builder';
import { createHttpFunctions, hostJsonPath, type AuthLevel } from '@modelfn/score-http';
import { createScorer, readSettings, registry, type Scorer } from '@modelfn/scoring';
import pino from 'pino';

const ROOT = resolve(import.meta.dirname, '../../..');
const MODELS = join(ROOT, 'models');

/**
 * A repository under the repository's tmp/ (ignored by git) holding a copy of mnist, for the models a test
 * adds beside it. There, the OCR entry script finds its model package in the node_modules above the
 * repository folder, as it does in models/.
 */
export function scratchRepository(prefix: string): { dir: string; remove(): void } {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'tmp', prefix));
  cpSync(join(MODELS, 'mnist'), join(dir, 'mnist'), { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A repository with the real mnist and OCR models and `tabular`, an iris classifier built in code (what a
 * user brings from scikit-learn), so the page meets each kind of model it handles.
 */
export function playgroundRepository(): { dir: string; remove(): void } {
  const repo = scratchRepository('playground-models-');
  const dir = repo.dir;
  symlinkSync(join(MODELS, 'ocr'), join(dir, 'ocr'), 'dir');
  mkdirSync(join(dir, 'tabular', '1'), { recursive: true });
  writeFileSync(
    join(dir, 'tabular', '1', 'model.onnx'),
    sklearnClassifier({
      labels: ['setosa', 'versicolor', 'virginica'],
      features: 4,
      coefficients: [
        [-0.4, 0.9, -2.3, -1],
        [0.5, -0.3, -0.2, -0.8],
        [-0.1, -0.6, 2.5, 1.8],
      ],
      intercepts: [9, 2, -11],
    }),
  );
  return repo;
}

/**
 * What the Functions host does before a function with authLevel `function` runs: the key from the
 * `x-functions-key` header or the `code` query parameter, else 401 with no body. The local host does not
 * check keys, so the tests put this in front of the app's own handlers.
 */
function requireKey(definition: HttpFunctionDefinition, key: string): HttpFunctionDefinition {
  const options: HttpFunctionOptions = definition.options;
  if ((options.authLevel ?? 'anonymous') === 'anonymous') return definition;
  const handler: HttpHandler = async (request, context) => {
    const given = request.headers.get('x-functions-key') ?? request.query.get('code');
    if (given !== key) return { status: 401 };
    return options.handler(request, context);
  };
  return { name: definition.name, options: { ...options, handler } };
}

export interface PlaygroundApp {
  url: string;
  /** The app's scorer, for a job function run beside it. */
  scorer: Scorer;
  close(): Promise<void>;
}

/**
 * The app's own function definitions on the local host, as `npm start` mounts them: with the invocation
 * hooks, whose series the live panel reads.
 */
export async function startPlaygroundApp(
  repository: string,
  auth: { level: AuthLevel; key?: string } = { level: 'anonymous' },
): Promise<PlaygroundApp> {
  const scorer: Scorer = await createScorer({
    ...readSettings({}),
    modelRepository: repository,
    defaultModel: 'mnist',
    cacheMode: 'memory',
  });
  const functions = createHttpFunctions({ scorer: async () => scorer, authLevel: auth.level });
  const host = await startHttpHost({
    functions: auth.key ? functions.map((f) => requireKey(f, auth.key!)) : functions,
    port: 0,
    routePrefix: routePrefixFromHostJson(hostJsonPath),
    logger: pino({ level: 'silent' }),
    hooks: invocationObserver({ registry, logger: pino({ level: 'silent' }) }),
  });
  return {
    url: host.url,
    scorer,
    async close() {
      await host.close();
      await scorer.close();
    },
  };
}
