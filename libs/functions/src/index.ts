// `@modelfn/functions`: the runtime contract every function app and the local host share, in Azure as
// locally: functions as data, invocation hooks, the app logger, the invocation report, the one telemetry
// wrapper of every handler (observeInvocation) and the invocation metrics (invocationObserver). Nothing here
// starts a server or loads a storage SDK, so the apps' Azure bundles stay small.
export type {
  FunctionDefinition,
  HttpFunctionDefinition,
  BlobFunctionDefinition,
  ServiceBusFunctionDefinition,
  StorageQueueFunctionDefinition,
} from './definitions/function-definition.js';
export type { InvocationHooks } from './definitions/hooks.js';
export type { HostLogger } from './log/host-logger.js';
export { createAppLogger, scrubSecrets } from './log/app-logger.js';
export { reportScored, reportOutcome, reportFields } from './observe/invocation-report.js';
export {
  invocationObserver,
  registerHooks,
  outcomeOfStatus,
  type InvocationObserver,
} from './observe/invocation-observer.js';
export { observeInvocation, type TriggerHandler } from './observe/invocation-span.js';
export { createDeadlines, deadlines, type Deadlines } from './deadline/deadlines.js';

// The trigger adapter: trigger input → the scoring core → one result, rendered by each trigger.
export type { TriggerName, TriggerRequest } from './adapter/trigger-request.js';
export { answeredBy, type ScoreResult } from './adapter/score-result.js';
export { answerPermanent, classifyFailure, type Failure } from './adapter/failure.js';
export { respondsAsync, scoreRequest, scoreRequests } from './adapter/score.js';
export { scoreAnswer, type HttpAnswer, type PredictionOptions } from './render/http-answer.js';
export {
  acceptsOctetStream,
  binaryAnswer,
  checkOneOutput,
  type BinaryHttpAnswer,
} from './render/binary-answer.js';
export {
  blobErrorRecord,
  blobRecord,
  type BlobErrorRecord,
  type BlobPrediction,
} from './render/blob-record.js';
export { replyContent, type ReplyContent } from './render/servicebus-reply.js';
export { imageHttpAnswer } from './render/image-answer.js';
export { imageAnswerOf } from './adapter/image-accept.js';
export {
  allowedOrigin,
  EventGridDeliveryError,
  eventDataOf,
  eventsOf,
  eventTypeOf,
  validationCodeOf,
  type EventGridEvent,
} from './event-grid/event-grid-delivery.js';
