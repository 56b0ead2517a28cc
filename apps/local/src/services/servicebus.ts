import type { RunningSource } from '@modelfn/local-host';
import { startServiceBusEmulator } from '@modelfn/servicebus-emulator';
import type { Logger } from 'pino';
import { portSetting, serviceBusAppSettings, type Env } from '@modelfn/settings';

const QUEUES = (env: Env) => {
  const { requestQueue, replyQueue } = serviceBusAppSettings(env);
  return [requestQueue, replyQueue];
};

/**
 * Service Bus for the queue trigger: an explicit ServiceBusConnection is used as is (a real namespace);
 * otherwise the AMQP emulator starts on SERVICEBUS_PORT (5672) and ServiceBusConnection is set for the app.
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
  const emulator = await startServiceBusEmulator({
    port: portSetting(env, 'SERVICEBUS_PORT', 5672),
    queues: Object.fromEntries(QUEUES(env).map((q) => [q, { maxDeliveryCount: 10 }])),
  });
  env.ServiceBusConnection = emulator.connectionString;
  log.info({ port: emulator.port }, 'Service Bus emulator started');
  return {
    name: 'servicebus-broker',
    describe: () => [
      `Service Bus  amqp://127.0.0.1:${emulator.port} emulator, queues ${QUEUES(env).join(', ')}`,
    ],
    close: () => emulator.close(),
  };
}
