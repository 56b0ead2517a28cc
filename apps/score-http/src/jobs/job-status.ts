import type { ScopedHandler } from '../request-scope.js';
import { json } from '../respond.js';
import { runningAnswer } from './accept-job.js';
import { isJobId } from './job-envelope.js';
import type { JobStore } from './job-store.js';

/**
 * `GET /score/jobs/{id}`, the Functions async HTTP pattern's status endpoint: 202 with Retry-After while the
 * job runs; when it is done, exactly what POST /score would have answered (200 and the result, or the
 * failure's status and `{error, code}`); 404 for an id no job has. Any instance answers it from storage.
 */
export function jobStatusHandler(jobs: () => JobStore | undefined): ScopedHandler {
  return async (request) => {
    const id = request.params.id;
    const store = jobs();
    const unknown = () =>
      json(404, {
        error: `no job has id "${id}"; ids are those POST /score answered`,
        code: 'JOB_NOT_FOUND',
      });
    if (!store || !isJobId(id)) return unknown();
    const answer = await store.answer(id);
    if (answer) return { status: answer.status, headers: answer.headers, body: answer.body };
    if (!(await store.exists(id))) return unknown();
    const self = new URL(request.url);
    self.search = '';
    return runningAnswer(id, self.toString());
  };
}
