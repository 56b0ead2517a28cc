// The invocation model the sources share; the definition contract and hook types are exported with the
// apps' entry (functions.ts).
export {
  createInvoker,
  mountFunction,
  type Invocation,
  type InvocationCall,
  type Invoker,
  type MountedFunction,
} from './invoke.js';
export { outputValues } from './outputs.js';
