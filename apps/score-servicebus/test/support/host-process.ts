// A Service Bus host in its own process, so a test can SIGKILL it while it holds message locks.
import { startServiceBusSource } from '@modelfn/local-host';
import { serviceBusFunctions } from '../../src/functions.js';

await startServiceBusSource({
  functions: serviceBusFunctions,
  maxConcurrentCalls: 2,
  maxMessageBatchSize: 16,
});
process.stdout.write('ready\n');
