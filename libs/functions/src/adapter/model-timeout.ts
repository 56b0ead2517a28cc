import {
  requestBudget,
  timeoutError,
  type JobBudget,
  type ModelRef,
  type RequestBudget,
  type Scorer,
} from '@modelfn/scoring';
import { deadlines } from '../deadline/deadlines.js';

/**
 * The model a request names and its bound: `timeout_ms`, or `job_timeout_ms` for a request run as a job
 * (the defaults for a model the repository does not know).
 */
export function modelTimeout(
  scorer: Scorer,
  ref: ModelRef & { job?: JobBudget },
): { model: string } & RequestBudget {
  try {
    const v = scorer.repository.find(ref.model, ref.version);
    return { model: v.name, ...requestBudget(v.config, ref.job) };
  } catch {
    // An unknown model: the core says so in its own words, long before any timeout.
    return { model: ref.model ?? 'default', ...requestBudget({}, ref.job) };
  }
}

/**
 * `work`, or TIMEOUT when it has not settled within `ms`. The core stops an entry script's stuck run on its
 * own deadline (the same `timeout_ms`); an ONNX run cannot be interrupted, so its result is dropped when
 * it comes. On the process's shared deadlines: this is on every cache hit's path.
 */
export function withinTimeout<T>(
  work: Promise<T>,
  model: string,
  ms: number,
  setting?: RequestBudget['setting'],
): Promise<T> {
  return deadlines.within(work, ms, () => timeoutError(model, ms, setting));
}
