import type { ModelRepository } from './model/model-repository.js';
import type { ModelVersion } from './model/model-version.js';

export const SERVER_NAME = 'modelfn';
export const SERVER_VERSION = '0.1.0';

/** `GET /v2`: the extensions a v2 client may use against this server. */
export function serverMetadata() {
  return {
    name: SERVER_NAME,
    version: SERVER_VERSION,
    extensions: ['binary_tensor_data', 'model_repository'],
  };
}

/** `GET /v2/models/{m}[/versions/{v}]`: names, dtypes and shapes, -1 for the dynamic batch dimension. */
export function modelMetadata(repo: ModelRepository, v: ModelVersion) {
  const input = v.config.input[0];
  const output = v.config.output[0];
  return {
    name: v.name,
    versions: repo.versions(v.name).map((x) => x.version),
    platform: v.config.platform,
    inputs: [{ name: input.name, datatype: 'FP32', shape: [-1, ...input.dims] }],
    outputs: [{ name: output.name, datatype: 'FP32', shape: [-1, ...output.dims] }],
    parameters: {
      version: v.version,
      sha256: v.sha256,
      max_batch_size: v.config.max_batch_size,
      ...(v.config.labels ? { labels: v.config.labels } : {}),
      ...(v.config.preprocessing?.image ? { image: v.config.preprocessing.image } : {}),
    },
  };
}

/** `POST /v2/repository/index` (model repository extension): every model version and its state. */
export function repositoryIndex(repo: ModelRepository) {
  return repo.names().flatMap((name) =>
    repo.versions(name).map((v) => ({
      name,
      version: v.version,
      state: v.state,
      ...(v.reason ? { reason: v.reason } : {}),
    })),
  );
}
