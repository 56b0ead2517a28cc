// Identity-based connections (Microsoft Entra ID through @azure/identity) read from the app settings the
// Functions host documents, one place for every client our code makes itself (storage, Service Bus, Redis).
// Light to import: @azure/identity is loaded at the first token request.
export type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
export {
  connectionSettings,
  hostStorageSettings,
  serviceBusSettings,
  type ConnectionSettings,
} from './connection-settings.js';
export { credentialOf } from './credential.js';
export {
  STORAGE_SCOPE,
  storageConnection,
  storageCredential,
  type StorageConnection,
} from './storage-connection.js';
export { serviceBusConnection, type ServiceBusConnection } from './servicebus-connection.js';
export { redisCredential } from './redis-credential.js';
