import { startServiceBusSource, type ServiceBusSource } from '@modelfn/local-host';
import { closeReplySenders, hostJsonPath, serviceBusFunctions } from '@modelfn/score-servicebus';
import type { Logger } from 'pino';
import { intSetting, type Env } from '@modelfn/settings';
import { invocationHooks } from './observer.js';

/** apps/score-servicebus's queue function, fed by peek-lock receivers as the Functions host would. */
export async function startServiceBusTrigger(env: Env, log: Logger): Promise<ServiceBusSource> {
  const source = await startServiceBusSource({
    functions: serviceBusFunctions,
    settings: env,
    hostJsonPath,
    maxConcurrentCalls: intSetting(env, 'SERVICEBUS_MAX_CONCURRENT_CALLS', 4, { min: 1 }),
    maxMessageBatchSize: intSetting(env, 'SERVICEBUS_MAX_BATCH_SIZE', 64, { min: 1 }),
    logger: log.child({ source: 'servicebus' }),
    hooks: invocationHooks(log),
  });
  // The app's reply senders share the broker connection's lifetime with the receivers.
  return { ...source, close: () => source.close().then(closeReplySenders) };
}
