import type { HttpRequest } from '@azure/functions';
import {
  acceptsOctetStream,
  answeredBy,
  binaryAnswer,
  imageAnswerOf,
  imageHttpAnswer,
  checkOneOutput,
  scoreAnswer,
  scoreRequest,
} from '@modelfn/functions';
import { outputNamesOf, ScoringError, type ModelRef, type ModelVersion, type Scorer } from '@modelfn/scoring';
import { acceptIfAsync } from '../jobs/accept-job.js';
import type { JobStore } from '../jobs/job-store.js';
import type { ScopedHandler, ScorerSource } from '../request-scope.js';
import { modelFromHeader, queryFlag, readBody, wantsCacheBypass } from '../request-input.js';
import { knownModel } from './model-label.js';

/** `?top=k`: the k best classes per row. */
function topOf(request: HttpRequest): number | undefined {
  const raw = request.query.get('top');
  if (raw === null) return undefined;
  const k = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(k) || k < 1) {
    throw new ScoringError('INVALID_INPUT', `query parameter top=${raw} must be a positive integer`);
  }
  return k;
}

/**
 * `POST /score`, Azure ML style: JSON (`{"data": ...}` or `{"data_key"}`, or v2 `inputs`) or one raw input
 * (an image, raw tensor bytes). Answers one item per row: a classifier's label (`?probabilities=true`:
 * label and probabilities; `?top=k`: the k best), any other model's outputs by name. A model with an
 * entry script gets the raw request and answers what its `run` returns. A request the caller (`Prefer:
 * respond-async`) or the entry script (`respondAsync`) wants answered later gets 202 and a status URL.
 */
export function scoreHandler(
  scorer: ScorerSource,
  jobs: () => JobStore | undefined = () => undefined,
): ScopedHandler {
  return async (request, scope) => {
    const s = await scorer();
    const target = modelFromHeader(request.headers.get('x-model'));
    scope.model = knownModel(s.repository, target.model);
    // Our query flags, checked before the body is read; an entry script reads its query itself, and only it
    // is handed the headers and query (copying them for every plain request would cost the hot path).
    const scripted = s.hasEntryScript(target);
    const options = scripted
      ? {}
      : { probabilities: queryFlag(request, 'probabilities'), top: topOf(request) };
    // `?outputs=a,b`: the outputs to answer (only those are fetched from the model).
    const outputs = scripted ? undefined : outputNamesOf(request.query.get('outputs') ?? undefined);
    const binary = !scripted && acceptsOctetStream(request.headers.get('accept'));
    if (binary) checkBinary(s, target, outputs);
    // Accept: image/png, image/webp or image/*: the model's postprocessing.image output as an image.
    const image = binary || scripted ? undefined : imageAnswerOf(request.headers.get('accept'));
    const body = await readBody(request, s.settings.maxRequestBytes);
    const req = {
      trigger: 'http' as const,
      payload: { body, contentType: request.headers.get('content-type') ?? undefined },
      ...(scripted
        ? {
            headers: Object.fromEntries(request.headers.entries()),
            properties: { method: request.method, query: Object.fromEntries(request.query.entries()) },
          }
        : {}),
      ...target,
      bypassCache: wantsCacheBypass(request),
      outputs,
      ...(image ? { image } : {}),
    };
    // Only a script or the caller can ask for a job: a plain request pays one header lookup.
    const store = scripted || request.headers.has('prefer') ? jobs() : undefined;
    const accepted = store && (await acceptIfAsync(s, store, request, req, { binary, options }));
    if (accepted) return accepted;
    const result = await scoreRequest(s, req);
    ({ model: scope.model, version: scope.version, cache: scope.cache } = answeredBy(result));
    if (image) return imageHttpAnswer(result);
    return binary ? binaryAnswer(result) : scoreAnswer(result, options);
  };
}

/**
 * Refuses raw bytes for several outputs before the body is read or the model runs, as far as is known then:
 * the selection, else the outputs of a loaded version (else the answer itself is checked).
 */
function checkBinary(s: Scorer, target: ModelRef, outputs: string[] | undefined): void {
  let v: ModelVersion;
  try {
    v = s.repository.find(target.model, target.version);
  } catch {
    // An unknown model: scoring says so, in the same words as for any other request.
    return;
  }
  if (outputs) checkOneOutput(v.name, [...new Set(outputs)]);
  else if (v.state === 'READY')
    checkOneOutput(
      v.name,
      v.outputs.map((o) => o.name),
    );
}
