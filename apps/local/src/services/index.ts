import type { RunningSource } from '@modelfn/local-host';
import type { Logger } from 'pino';
import type { Env } from '@modelfn/settings';
import { startStorageService } from './azurite.js';
import { startRedisService } from './redis.js';
import { startServiceBusService } from './servicebus.js';

/**
 * The backing services the apps talk to, started before any trigger source. Each may set environment
 * variables (REDIS_URL, connection strings) that the apps read when they start, and is pushed onto
 * `running` as soon as it is up.
 */
export async function startServices(env: Env, log: Logger, running: RunningSource[]): Promise<void> {
  running.push(await startRedisService(env, log));
  running.push(await startStorageService(env, log));
  running.push(await startServiceBusService(env, log));
}
