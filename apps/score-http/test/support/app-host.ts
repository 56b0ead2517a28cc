import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routePrefixFromHostJson, startHttpHost, type RunningHttpHost } from '@modelfn/local-host';
import { createHttpFunctions, hostJsonPath } from '../../src/functions.js';
import { invocationObserver } from '@modelfn/functions';
import { createScorer, readSettings, registry, type Scorer, type Settings } from '@modelfn/scoring';
import pino from 'pino';

export const repoRoot = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
export const modelsDir = join(repoRoot, 'models');

export interface AppUnderTest {
  url: string;
  host: RunningHttpHost;
  scorer: Scorer;
  close(): Promise<void>;
}

/**
 * The real app definitions on the local host, with a real model and an in-process cache, and the invocation
 * hooks main.ts registers (the request metrics in /metrics are theirs).
 */
export async function startApp(overrides: Partial<Settings> = {}, hostLimit?: number): Promise<AppUnderTest> {
  const settings: Settings = {
    ...readSettings({}),
    modelRepository: modelsDir,
    cacheMode: 'memory',
    ...overrides,
  };
  const scorer = await createScorer(settings);
  const host = await startHttpHost({
    functions: createHttpFunctions({ scorer: async () => scorer, authLevel: 'anonymous' }),
    port: 0,
    routePrefix: routePrefixFromHostJson(hostJsonPath),
    maxRequestBytes: hostLimit ?? settings.maxRequestBytes,
    logger: pino({ level: 'silent' }),
    hooks: invocationObserver({ registry, logger: pino({ level: 'silent' }) }),
  });
  return {
    url: host.url,
    host,
    scorer,
    async close() {
      await host.close();
      await scorer.close();
    },
  };
}

/**
 * A model repository with the real mnist model plus `broken`, whose only version holds a model.pkl: the
 * repository refuses to load it, so `broken` is never ready.
 */
export async function repositoryWithBrokenModel(
  includeMnist = true,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'modelfn-repo-'));
  if (includeMnist) await cp(join(modelsDir, 'mnist'), join(dir, 'mnist'), { recursive: true });
  await mkdir(join(dir, 'broken', '1'), { recursive: true });
  await writeFile(
    join(dir, 'broken', 'config.json'),
    JSON.stringify({
      name: 'broken',
      platform: 'onnxruntime_onnx',
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [4] }],
      output: [{ name: 'output', data_type: 'TYPE_FP32', dims: [2] }],
    }),
  );
  await writeFile(join(dir, 'broken', '1', 'model.pkl'), Buffer.from([0x80, 0x04, 0x95]));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
