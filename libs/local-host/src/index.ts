// Public API of the local host. Each trigger source lives in its own folder and adds one export line here.
export * from './http/index.js';
export * from './process/index.js';
export { startBlobSource, POISON_QUEUE, type BlobSource, type BlobSourceOptions } from './blob/blob-source.js';
export type { BlobFunctionDefinition, HostLogger } from './blob/invoke-blob-function.js';
export { BlobSourceError, type BlobSourceErrorCode } from './blob/blob-source-error.js';
export { StorageQueue, type PeekedMessage } from './blob/storage-queue.js';
export { parseConnectionString, type StorageAccount } from './blob/storage-account.js';
export { startAzurite, type AzuriteOptions, type RunningAzurite } from './azurite/start-azurite.js';
export { AzuriteError, type AzuriteErrorCode } from './azurite/azurite-error.js';
