import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import azureFunctions, { type LogLevel, type StorageBlobFunctionOptions } from '@azure/functions';
import type { FunctionDefinition, HostLogger } from '../http/function-definition.js';
import type { BlobOutputBinding } from './blob-outputs.js';

/** One function as an app defines it (`app.storageBlob(name, options)`), mounted by the local host. */
export type BlobFunctionDefinition = FunctionDefinition<StorageBlobFunctionOptions>;

export interface BlobInvocation {
  fn: BlobFunctionDefinition;
  blob: Buffer;
  bindings: Record<string, string>;
  triggerMetadata: Record<string, unknown>;
  /** 1-based attempt number; the context's retryContext carries it as retryCount = attempt - 1. */
  attempt: number;
  maxAttempts: number;
  outputs: { output: BlobOutputBinding | undefined; extra: BlobOutputBinding[] };
  logger: HostLogger;
}

export interface InvocationResult {
  invocationId: string;
  /** Values to write: the return value (if any) and every extra output the handler set. */
  values: { output: BlobOutputBinding; value: unknown }[];
}

function logTo(logger: HostLogger, fields: object): (level: LogLevel, ...args: unknown[]) => void {
  return (level, ...args) => {
    const msg = format(...args);
    if (level === 'trace' || level === 'debug') logger.debug(fields, msg);
    else if (level === 'information') logger.info(fields, msg);
    else if (level === 'warning') logger.warn(fields, msg);
    else if (level !== 'none') logger.error(fields, msg);
  };
}

/** Calls the handler the way the Functions host does: trigger value, InvocationContext, outputs collected after. */
export async function invokeBlobFunction(inv: BlobInvocation): Promise<InvocationResult> {
  const { fn } = inv;
  const invocationId = randomUUID();
  // The class comes from the default export: the package is CommonJS and Node's ESM named-export detection misses it.
  const context = new azureFunctions.InvocationContext({
    invocationId,
    functionName: fn.name,
    logHandler: logTo(inv.logger, {
      functionName: fn.name,
      invocationId,
      blob: inv.triggerMetadata.blobTrigger,
    }),
    triggerMetadata: inv.triggerMetadata,
    retryContext: { retryCount: inv.attempt - 1, maxRetryCount: inv.maxAttempts - 1 },
    options: {
      trigger:
        fn.options.trigger ??
        azureFunctions.trigger.storageBlob({ path: fn.options.path, connection: fn.options.connection }),
      return: fn.options.return,
      extraInputs: [],
      extraOutputs: fn.options.extraOutputs ?? [],
    },
  });
  const result: unknown = await fn.options.handler(inv.blob, context);
  const values: InvocationResult['values'] = [];
  if (inv.outputs.output && result !== undefined && result !== null)
    values.push({ output: inv.outputs.output, value: result });
  for (const output of inv.outputs.extra) {
    const value = context.extraOutputs.get(output);
    if (value !== undefined && value !== null) values.push({ output, value });
  }
  return { invocationId, values };
}
