export type {
  FunctionDefinition,
  HttpFunctionDefinition,
  BlobFunctionDefinition,
  ServiceBusFunctionDefinition,
} from './function-definition.js';
export type { InvocationHooks } from './hooks.js';
export type { HostLogger } from './host-logger.js';
export {
  createInvoker,
  mountFunction,
  type Invocation,
  type InvocationCall,
  type Invoker,
  type MountedFunction,
} from './invoke.js';
export { outputValues } from './outputs.js';
