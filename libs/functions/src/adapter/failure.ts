import { toScoringError, type ScoringError } from '@modelfn/scoring';

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
