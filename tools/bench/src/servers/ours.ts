import type { SuiteContext } from '../suite-context.js';
import { serverScript, startChildServer, type ChildServer } from './child-server.js';

export const OUR_SERVER_SCRIPT = serverScript('our-http-server.ts');

/**
 * The environment of our server: the bench's Redis (or the in-process cache without one), the repo's models,
 * warnings-only logs, and the given overrides (CACHE_L1_BYTES, BATCHING, MODEL_REPOSITORY...).
 */
export function ourEnv(
  ctx: Pick<SuiteContext, 'redisUrl' | 'modelsDir'>,
  overrides: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    MODEL_REPOSITORY: ctx.modelsDir,
    CACHE_L1_BYTES: '0',
    BATCHING: 'config',
    ...(ctx.redisUrl
      ? { CACHE_MODE: 'redis', REDIS_URL: ctx.redisUrl }
      : { CACHE_MODE: 'memory', REDIS_URL: '' }),
    ...overrides,
  };
  return env;
}

export function startOurs(ctx: SuiteContext, overrides: Record<string, string> = {}): Promise<ChildServer> {
  return startChildServer(OUR_SERVER_SCRIPT, { cwd: ctx.repoRoot, env: ourEnv(ctx, overrides) });
}
