// What a model's entry script imports (`@modelfn/scoring/entry`): the contract's types, `response` and
// `ScoringError`, and nothing that starts a registry, a connection or a runtime when it is bundled alone.
export { ScoringError, type ErrorCode } from './errors.js';
export {
  response,
  type AMLRequest,
  type EntryCache,
  type EntryContext,
  type EntryLog,
  type EntryResponse,
  type EntrySession,
  type Trigger,
} from './entry-script/types.js';
export type { Tensor, TensorData, DataType } from './tensor/tensor.js';
