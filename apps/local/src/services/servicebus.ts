import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningSource } from '@modelfn/local-host';
import { startServiceBusEmulator } from '@modelfn/servicebus-emulator';
import type { Logger } from 'pino';
import { portSetting, serviceBusAppSettings, textSetting, type Env } from '@modelfn/settings';

const QUEUES = (env: Env) => {
  const { requestQueue, replyQueue } = serviceBusAppSettings(env);
  return [requestQueue, replyQueue];
};

/**
 * Where the emulator keeps its queues: SERVICEBUS_DATA_DIR, else one folder per port under the OS temp dir.
 * Kept on Ctrl-C too: queues outlive a restart on Service Bus, and a crash must not lose an acknowledged send.
 */
export function serviceBusDataDir(env: Env, port: number): string {
  return resolve(textSetting(env, 'SERVICEBUS_DATA_DIR') ?? join(tmpdir(), `modelfn-servicebus-${port}`));
}

/**
 * Service Bus for the queue trigger: an explicit ServiceBusConnection is used as is (a real namespace);
 * otherwise the AMQP emulator starts on SERVICEBUS_PORT (5672), with durable queues (see serviceBusDataDir),
 * and ServiceBusConnection is set for the app.
 */
export async function startServiceBusService(env: Env, log: Logger): Promise<RunningSource> {
  if (env.ServiceBusConnection) {
    const endpoint = /Endpoint=([^;]+)/i.exec(env.ServiceBusConnection)?.[1] ?? 'configured namespace';
    return {
      name: 'servicebus-broker',
      describe: () => [`Service Bus  ${endpoint} (ServiceBusConnection)`],
      close: async () => undefined,
    };
  }
  const port = portSetting(env, 'SERVICEBUS_PORT', 5672);
  const emulator = await startServiceBusEmulator({
    port,
    queues: Object.fromEntries(QUEUES(env).map((q) => [q, { maxDeliveryCount: 10 }])),
    dataDir: serviceBusDataDir(env, port),
  });
  env.ServiceBusConnection = emulator.connectionString;
  log.info(
    { port: emulator.port, dataDir: emulator.dataDir, restored: emulator.restoredMessages },
    'Service Bus emulator started',
  );
  return {
    name: 'servicebus-broker',
    describe: () => [
      `Service Bus  amqp://127.0.0.1:${emulator.port} emulator, queues ${QUEUES(env).join(', ')} ` +
        `(kept in ${emulator.dataDir}${emulator.restoredMessages ? `, ${emulator.restoredMessages} messages restored` : ''})`,
    ],
    close: () => emulator.close(),
  };
}
