import type { ModelRepository, ModelVersion } from '@modelfn/scoring';

export const SERVER_NAME = 'modelfn';
export const SERVER_VERSION = '0.2.0';

/** `GET /v2`: the extensions a v2 client may use against this server. */
export function serverMetadata() {
  return {
    name: SERVER_NAME,
    version: SERVER_VERSION,
    extensions: ['binary_tensor_data', 'classification', 'model_repository', 'model_configuration'],
  };
}

/** Inputs or outputs as v2 metadata: datatype and shape, -1 for the batch and every dynamic dimension. */
function tensors(v: ModelVersion, kind: 'inputs' | 'outputs') {
  return v[kind].map((t) => ({
    name: t.name,
    datatype: t.datatype,
    shape: v.batched ? [-1, ...t.dims] : t.dims,
  }));
}

/**
 * What `POST /score` answers with `Accept: image/png` or `image/webp` (config.json postprocessing.image), so
 * a client (the playground) knows to ask for a picture: which output, how it is shown, the default format.
 */
function imageAnswer(post: { output: string; mode: string; format: string }) {
  return { output: post.output, mode: post.mode, format: post.format };
}

/** `GET /v2/models/{m}[/versions/{v}]`: names, dtypes and shapes from the effective config. */
export function modelMetadata(repo: ModelRepository, v: ModelVersion) {
  const c = v.classification;
  return {
    name: v.name,
    versions: repo.versions(v.name).map((x) => x.version),
    platform: v.config.platform,
    inputs: tensors(v, 'inputs'),
    outputs: tensors(v, 'outputs'),
    parameters: {
      version: v.version,
      state: v.state,
      ...(v.reason ? { reason: v.reason } : {}),
      sha256: v.sha256,
      max_batch_size: v.config.max_batch_size,
      ...(c?.labels ? { labels: c.labels } : {}),
      ...(c ? { classifier: true } : {}),
      ...(v.image ? { image: { input: v.inputs[v.image.input].name, ...v.image.pre } } : {}),
      ...(v.imageOutput ? { image_answer: imageAnswer(v.imageOutput.post) } : {}),
    },
  };
}

/** `GET /v2/models/{m}[/versions/{v}]/config` (Triton's model configuration extension): the effective config. */
export function modelConfig(v: ModelVersion) {
  return v.config;
}

/**
 * `POST /v2/repository/index` (model repository extension): every model version and its state; for a model
 * with config.json `traffic`, each version's `traffic`, its share in percent of the requests naming no
 * version as they are split now (a field Triton does not have, which its clients ignore).
 */
export function repositoryIndex(repo: ModelRepository) {
  const index = repo.names().flatMap((name) =>
    repo.versions(name).map((v) => ({
      name,
      version: v.version,
      state: v.state,
      ...(v.reason ? { reason: v.reason } : {}),
    })),
  );
  return index.map((e) => withTraffic(repo, e));
}

function withTraffic<E extends { name: string; version: string }>(
  repo: ModelRepository,
  entry: E,
): E & { traffic?: number } {
  const { traffic } = repo.trafficOf(entry.name);
  return traffic ? { ...entry, traffic: traffic[entry.version] ?? 0 } : entry;
}
