import { ScoringError, toScoringError } from '@modelfn/scoring';
import type { TriggerName } from './trigger-request.js';

/**
 * The one decision every trigger makes on a failure. `permanent`: the same request fails the same way
 * (bad input, unknown model), so it is answered — a 4xx, an error record beside the blob, an error reply —
 * and never retried. `transient`: it may succeed later (overload, a model still loading, Redis down for a
 * `data_key`, a fault of ours), so HTTP answers 5xx and the blob and Service Bus triggers throw for the
 * host to retry (the poison queue or the dead-letter queue after the last try).
 */
export interface Failure {
  readonly error: ScoringError;
  readonly kind: 'permanent' | 'transient';
}

export function classifyFailure(e: unknown): Failure {
  const error = toScoringError(e);
  return { error, kind: error.permanent ? 'permanent' : 'transient' };
}

/** A permanent failure as a value; a transient one thrown again, for the host to retry. */
export function answerPermanent(e: unknown): Failure {
  const failure = classifyFailure(e);
  if (failure.kind === 'transient') throw failure.error;
  return failure;
}

/**
 * A TIMEOUT as the trigger takes it. A message (Service Bus, Storage Queue) gets an error reply and is
 * settled: redelivering it would cost its model another full timeout per delivery, take the batch's other
 * messages through every redelivery with it, and leave its sender waiting on `replyTo` for an answer that
 * may never come. HTTP answers 504 and a blob is retried then poisoned, as for any transient failure.
 */
export function timeoutAsTrigger(trigger: TriggerName, e: unknown): unknown {
  const error = toScoringError(e);
  if (error.code !== 'TIMEOUT' || error.permanent) return e;
  if (trigger !== 'servicebus' && trigger !== 'queue') return e;
  return new ScoringError('TIMEOUT', error.message, { cause: e, permanent: true });
}
