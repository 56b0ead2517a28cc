// Public API of the local host (development only: production code never imports it), name by name: what
// `npm start`, the tests, the e2e suite and the tools use. The function-definition contract and the hooks
// come from @modelfn/functions.
export type { RunningSource } from './running-source.js';
export { startHttpHost, type RunningHttpHost } from './http/http-host.js';
export { startHttpWorkers, httpWorkersFromEnv, type RunningHttpWorkers } from './http/http-workers.js';
export { routePrefixFromHostJson } from './host-json.js';
export { startBlobSource, type BlobSource, type BlobSourceOptions } from './blob/blob-source.js';
export { POISON_QUEUE } from './blob/poison-message.js';
export { HOSTS_CONTAINER } from './blob/blob-receipts.js';
export { StorageQueue } from './blob/storage-queue.js';
export { parseConnectionString } from './blob/storage-account.js';
export { BlobRest } from './blob/blob-rest.js';
export { startAzurite, type RunningAzurite } from './azurite/start-azurite.js';
export { DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY, devConnectionString } from './azurite/dev-account.js';
export { startServiceBusSource, type ServiceBusSource } from './servicebus/servicebus-source.js';
export { startQueueSource, type QueueSource, type QueueSourceOptions } from './queue/queue-source.js';
