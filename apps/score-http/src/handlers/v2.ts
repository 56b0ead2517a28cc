import { ScoringError } from '@modelfn/scoring';
import type { ScopedHandler, ScorerSource } from '../request-scope.js';
import { modelConfig, modelMetadata, repositoryIndex, serverMetadata } from '../protocol/v2-metadata.js';
import { encodeV2Response } from '../protocol/v2-response.js';
import { inferenceHeaderLength, readBody, wantsCacheBypass } from '../request-input.js';
import { json } from '../respond.js';
import { knownModel } from './model-label.js';

// Open Inference Protocol v2 (KServe / Triton REST): https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/

export function serverMetadataHandler(): ScopedHandler {
  return async () => json(200, serverMetadata());
}

export function liveHandler(): ScopedHandler {
  return async () => json(200, { live: true });
}

/**
 * Ready once no model version is still loading and at least one can run (a broken model does not keep the
 * others out of service); 503 while versions load, while none can run, or when the repository failed.
 */
export function readyHandler(scorer: ScorerSource): ScopedHandler {
  return async () => {
    const repo = (await scorer()).repository;
    if (repo.isLoading) {
      const loading = repositoryIndex(repo).filter((v) => v.state === 'LOADING');
      return json(
        503,
        {
          ready: false,
          error: `model versions still loading: ${loading.map((v) => `${v.name}:${v.version}`).join(', ')}`,
          code: 'MODEL_LOADING',
        },
        { 'retry-after': '1' },
      );
    }
    if (repo.isReady()) return json(200, { ready: true });
    const problems = repositoryIndex(repo).map((v) => `${v.name}:${v.version} ${v.reason ?? v.state}`);
    return json(503, {
      ready: false,
      error: `no model is ready${problems.length ? `: ${problems.join('; ')}` : ` in ${repo.root}`}`,
      code: 'MODEL_NOT_READY',
    });
  };
}

/** `GET /v2/models/{model}[/versions/{version}]`: metadata even for a version that is not ready. */
export function modelMetadataHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const repo = (await scorer()).repository;
    const v = repo.find(request.params.model, request.params.version);
    scope.model = knownModel(repo, v.name);
    return json(200, modelMetadata(repo, v));
  };
}

/** `GET /v2/models/{model}[/versions/{version}]/config`: the effective config (file over ONNX signature). */
export function modelConfigHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const repo = (await scorer()).repository;
    const v = repo.find(request.params.model, request.params.version);
    scope.model = knownModel(repo, v.name);
    return json(200, modelConfig(v));
  };
}

/**
 * `GET .../ready`: 200 once the version is loaded and warmed up; else 503 with the reason, MODEL_LOADING
 * (and Retry-After) while it loads, MODEL_NOT_READY when it cannot run. Never waits.
 */
export function modelReadyHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const repo = (await scorer()).repository;
    scope.model = knownModel(repo, request.params.model);
    const v = repo.find(request.params.model, request.params.version);
    if (v.state === 'LOADING') {
      throw new ScoringError(
        'MODEL_LOADING',
        `model "${v.name}" version ${v.version} is still loading (its graphs load and warm up)`,
      );
    }
    if (v.state !== 'READY') {
      throw new ScoringError(
        'MODEL_NOT_READY',
        `model "${v.name}" version ${v.version} is not ready: ${v.reason}`,
      );
    }
    return json(200, { name: v.name, version: v.version, ready: true });
  };
}

/** `POST .../infer`: JSON tensors, or JSON + binary tensors when Inference-Header-Content-Length is sent. */
export function inferHandler(scorer: ScorerSource): ScopedHandler {
  return async (request, scope) => {
    const s = await scorer();
    scope.model = knownModel(s.repository, request.params.model);
    const headerLength = inferenceHeaderLength(request);
    const body = await readBody(request, s.settings.maxRequestBytes);
    const result = await s.infer({
      v2: body,
      headerLength,
      model: request.params.model,
      version: request.params.version,
      bypassCache: wantsCacheBypass(request),
    });
    scope.cache = result.cache;
    scope.version = result.model.version;
    const encoded = encodeV2Response(result, result.v2!);
    const headers: Record<string, string> = { 'content-type': encoded.contentType };
    if (encoded.headerLength !== undefined)
      headers['inference-header-content-length'] = String(encoded.headerLength);
    return { status: 200, body: encoded.body, headers };
  };
}

/** `POST /v2/repository/index` (model repository extension): every version with its state and reason. */
export function repositoryIndexHandler(scorer: ScorerSource): ScopedHandler {
  return async () => json(200, repositoryIndex((await scorer()).repository));
}
