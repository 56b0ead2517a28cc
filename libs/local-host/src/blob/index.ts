export { startBlobSource, type BlobSource, type BlobSourceOptions } from './blob-source.js';
export { POISON_QUEUE } from './poison-message.js';
export { BlobSourceError, type BlobSourceErrorCode } from './blob-source-error.js';
export { HOSTS_CONTAINER } from './blob-receipts.js';
export { StorageQueue, type PeekedMessage } from './storage-queue.js';
export { parseConnectionString, type StorageAccount } from './storage-account.js';
export { BlobRest, BlobRestError } from './blob-rest.js';
