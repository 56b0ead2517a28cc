import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStartError, startRedisServer } from '@modelfn/dev-processes';
import type { RunningSource } from '@modelfn/local-host';
import type { Logger } from 'pino';
import { portSetting, type Env } from '@modelfn/settings';

function service(describe: string, close: () => Promise<void> = async () => undefined): RunningSource {
  return { name: 'redis', describe: () => [describe], close };
}

/** `redis://user:pass@host` with the password hidden, for the banner. */
function display(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Redis for the result cache. An explicit REDIS_URL is used as is; otherwise a throw-away redis-server is
 * started on REDIS_PORT and REDIS_URL is set for the scorer. Its pid goes to a file under the OS temp dir, so
 * the redis-server of a host that was SIGKILLed (and could not stop it) is reattached by the next start
 * instead of leaving the port taken and the cache in-process. Without redis-server the scorer falls back to
 * its in-process cache, which works the same for one process.
 */
export async function startRedisService(env: Env, log: Logger): Promise<RunningSource> {
  if (env.REDIS_URL) return service(`Redis    ${display(env.REDIS_URL)} (REDIS_URL)`);
  if (env.CACHE_MODE === 'memory' || env.CACHE_MODE === 'off')
    return service(`Cache    ${env.CACHE_MODE} (CACHE_MODE)`);
  const port = portSetting(env, 'REDIS_PORT', 6379);
  try {
    const redis = await startRedisServer({ port, pidFile: join(tmpdir(), `modelfn-redis-${port}.pid`) });
    env.REDIS_URL = redis.url;
    const how = redis.reattached ? 'reattached: left running by a host that crashed' : 'in memory only';
    log.info({ url: redis.url, redisPid: redis.pid, reattached: redis.reattached }, 'redis-server started');
    return service(`Redis    ${redis.url} (redis-server pid ${redis.pid}, ${how})`, redis.stop);
  } catch (e) {
    if (!(e instanceof RedisStartError)) throw e;
    const why =
      e.reason === 'not-found'
        ? 'redis-server is not on PATH; install it or set REDIS_URL to use a Redis server'
        : e.message.split('\n')[0];
    log.warn({ reason: e.message }, 'running with the in-process memory cache instead of Redis');
    // CACHE_MODE=redis without a server would stop the scorer; the memory cache keeps the system usable.
    if (env.CACHE_MODE === 'redis') env.CACHE_MODE = 'memory';
    return service(`Cache    in-process memory cache (${why})`);
  }
}
