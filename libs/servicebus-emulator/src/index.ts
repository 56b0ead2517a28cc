export {
  startServiceBusEmulator,
  emulatorConnectionString,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type EmulatorOptions,
  type QueueOptions,
  type QueueDepth,
  type ServiceBusEmulator,
} from './emulator.js';
export type { CbsTokenValidation } from './cbs-token.js';
