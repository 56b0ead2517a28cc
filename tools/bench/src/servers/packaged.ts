import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCaptured } from '../load/spawn-capture.js';
import type { SuiteContext } from '../suite-context.js';
import { serverScript, startChildServer, type ChildServer } from './child-server.js';

/** The packaged app over HTTP, and the cold-start floor: plain JavaScript, run by plain Node. */
export const PACKAGED_SERVER_SCRIPT = serverScript('packaged-http.mjs');
export const BARE_ORT_SCRIPT = serverScript('bare-ort-server.mjs');

const APP = 'score-http';

/**
 * Builds score-http from this checkout and packages it as `npm run package` does, into the bench's temp
 * folder (not dist/packages, which azd deploys from); returns the unpacked package folder.
 */
export async function buildPackage(ctx: SuiteContext): Promise<string> {
  const steps: [string, string[]][] = [
    ['npx', ['nx', 'run', `${APP}:build`, '--output-style=stream']],
    [
      process.execPath,
      ['--import', 'tsx', 'tools/package/src/cli.ts', '--out', join(ctx.tmpDir, 'packages'), APP],
    ],
  ];
  for (const [cmd, args] of steps) {
    const out = await runCaptured(cmd, args, { cwd: ctx.repoRoot, timeoutMs: 600_000 });
    if (out.code !== 0)
      throw new Error(`${cmd} ${args.join(' ')} failed (exit ${out.code}): ${out.stderr.slice(-1500)}`);
  }
  return join(ctx.tmpDir, 'packages', APP);
}

/**
 * The environment of a packaged app as the azd template gives it, less Azure's own services: the bench's
 * Redis when there is one, LOG_LEVEL info, nothing of this workspace's settings (MODEL_REPOSITORY defaults
 * to the package's models/), and the given overrides (MODELS...).
 */
export function packagedEnv(
  ctx: Pick<SuiteContext, 'redisUrl'>,
  overrides: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    LOG_LEVEL: 'info',
    ...(ctx.redisUrl ? { REDIS_URL: ctx.redisUrl } : {}),
    ...overrides,
  };
}

/**
 * The Node arguments the azd template gives every app's worker (`languageWorkers__node__arguments` in
 * infra/main.bicep: the Functions host starts the worker's node with them), so the packaged rows run the
 * package as Azure would; none when the template sets none.
 */
export function templateNodeArguments(repoRoot: string): string[] {
  const bicep = readFileSync(join(repoRoot, 'infra/main.bicep'), 'utf8');
  const m = /^\s*languageWorkers__node__arguments:\s*'([^']*)'/m.exec(bicep);
  return m ? m[1].split(/\s+/).filter(Boolean) : [];
}

/**
 * The packaged app in one plain Node process started with `nodeArgs` (templateNodeArguments, read once by
 * the caller); its working directory the bench's temp folder.
 */
export function startPackaged(
  ctx: SuiteContext,
  dir: string,
  overrides: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<ChildServer> {
  return startChildServer(PACKAGED_SERVER_SCRIPT, {
    cwd: ctx.tmpDir,
    env: packagedEnv(ctx, { PORT: '0', ...overrides }),
    plain: true,
    nodeArgs: [...nodeArgs],
    args: [dir],
  });
}
