import { ScoringError } from '@modelfn/scoring';
import type { HttpRequest } from '@azure/functions';
import type { ScopedHandler, ScorerSource } from '../request-scope.js';
import { readBody } from '../request-input.js';
import { json } from '../respond.js';
import { knownModel } from './model-label.js';

// Triton's model repository extension, load and unload:
// https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_model_repository.md
// Taken when MODEL_CONTROL_MODE=explicit; 400 MODEL_CONTROL_DISABLED otherwise, as Triton answers.

/** Parameters Triton defines that mean nothing here: accepted and ignored (there are no ensembles). */
const IGNORED = new Set(['unload_dependents']);

/**
 * The optional body `{"parameters": {...}}`. A load that carries a config or files (Triton's `config`,
 * `file:<path>`) is refused: here a model changes through its repository, which every instance reads.
 */
async function checkBody(request: HttpRequest, maxBytes: number): Promise<void> {
  const body = await readBody(request, maxBytes);
  if (body.length === 0) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ScoringError('INVALID_JSON', `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ScoringError('INVALID_INPUT', 'the body must be a JSON object, {"parameters": {...}} or {}');
  const parameters = (parsed as { parameters?: unknown }).parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))
    throw new ScoringError('INVALID_INPUT', '"parameters" must be an object');
  const unknown = Object.keys(parameters).filter((k) => !IGNORED.has(k));
  if (unknown.length > 0) {
    throw new ScoringError(
      'INVALID_INPUT',
      `parameters ${unknown.join(', ')} are not taken: a model's config.json and files come from the model repository (put them there, then load)`,
    );
  }
}

/** `POST /v2/repository/models/{model}/load`: the model (re)loaded from the repository; 200 once it serves. */
export function modelLoadHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const s = await scorer();
    const name = request.params.model;
    await checkBody(request, s.settings.maxRequestBytes);
    const entries = await s.repository.loadModel(name);
    scope.model = knownModel(s.repository, name);
    return json(200, { name, versions: entries.map(({ name: _name, ...e }) => e) });
  };
}

/** `POST /v2/repository/models/{model}/unload`: not served any more; 200 once drained and released. */
export function modelUnloadHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const s = await scorer();
    const name = request.params.model;
    scope.model = knownModel(s.repository, name);
    await checkBody(request, s.settings.maxRequestBytes);
    const entries = await s.repository.unloadModel(name);
    return json(200, { name, versions: entries.map(({ name: _name, ...e }) => e) });
  };
}
