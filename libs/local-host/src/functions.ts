// `@modelfn/local-host/functions`: what a function app imports, in Azure as locally: the definition
// contract and the invocation hooks (logs, metrics). Nothing here starts a server or loads a storage SDK,
// so the apps' Azure bundles stay small.
export type {
  FunctionDefinition,
  HttpFunctionDefinition,
  BlobFunctionDefinition,
  ServiceBusFunctionDefinition,
} from './invocation/function-definition.js';
export type { InvocationHooks } from './invocation/hooks.js';
export type { HostLogger } from './invocation/host-logger.js';
export {
  reportScored,
  reportOutcome,
  reportFields,
  invocationReport,
  type InvocationOutcome,
  type InvocationReport,
} from './observe/invocation-report.js';
export {
  invocationObserver,
  registerHooks,
  outcomeOfStatus,
  triggerName,
  type InvocationObserver,
  type InvocationObserverOptions,
  type HookRegistry,
} from './observe/invocation-observer.js';
export { createAppLogger, scrubSecrets } from './observe/app-logger.js';
