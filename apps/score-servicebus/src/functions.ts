import { fileURLToPath } from 'node:url';
import type { InvocationContext } from '@azure/functions';
import { observeInvocation, type ServiceBusFunctionDefinition } from '@modelfn/functions';
import { scoreMessages } from './score-messages.js';
import { sbSettings } from './settings.js';

export type { ServiceBusFunctionDefinition };

/** The app's functions, defined once: main.ts registers them with Azure, the local host mounts them. */
/** This app's host.json (its functionTimeout), for hosts that run it outside Azure. */
export const hostJsonPath = fileURLToPath(new URL('../host.json', import.meta.url));

export const serviceBusFunctions: ServiceBusFunctionDefinition[] = [
  {
    name: 'scoreQueue',
    options: {
      connection: sbSettings.connectionSetting,
      queueName: sbSettings.requestQueue,
      cardinality: 'many',
      handler: observeInvocation('servicebus', (messages: unknown, context: InvocationContext) =>
        scoreMessages(Array.isArray(messages) ? messages : [messages], context, Array.isArray(messages)),
      ),
    },
  },
];
export { closeReplySenders } from './reply-sender.js';
