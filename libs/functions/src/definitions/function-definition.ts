import type {
  FunctionOptions,
  HttpFunctionOptions,
  ServiceBusQueueFunctionOptions,
  StorageBlobFunctionOptions,
  StorageQueueFunctionOptions,
} from '@azure/functions';

/**
 * A function as an app defines it once: the name and the very options object it passes to `app.http`,
 * `app.storageBlob`, `app.serviceBusQueue`... The Functions entry point registers these with `app.*`; the
 * local host mounts the same objects, so both run the same handlers with the same trigger settings.
 * This is the one contract between apps and hosts, whatever the trigger.
 */
export interface FunctionDefinition<TOptions extends Partial<FunctionOptions> = Partial<FunctionOptions>> {
  name: string;
  options: TOptions;
}

export type HttpFunctionDefinition = FunctionDefinition<HttpFunctionOptions>;
export type BlobFunctionDefinition = FunctionDefinition<StorageBlobFunctionOptions>;
export type ServiceBusFunctionDefinition = FunctionDefinition<ServiceBusQueueFunctionOptions>;
export type StorageQueueFunctionDefinition = FunctionDefinition<StorageQueueFunctionOptions>;
