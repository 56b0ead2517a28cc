import type { InferenceSession } from 'onnxruntime-node';
import { autoComplete } from './auto-complete.js';
import { detectClassification, type Label } from './classification.js';
import { readLabelFile } from './config-file.js';
import { detectionOutput } from './detection-config.js';
import { imageInput } from './image-input.js';
import { imageOutput } from './image-output.js';
import { ioSpec } from './io-spec.js';
import { configError, type ModelConfig, type PartialModelConfig } from './model-config.js';
import type { ModelVersion } from './model-version.js';
import { OnnxModel } from './onnx-model.js';
import { checkPostprocessing } from './postprocessing-config.js';
import type { ZipMapOutput } from './onnx-graph.js';
import { readSignature } from './signature.js';
import { mayHaveZipMap } from './zipmap-probe.js';

export interface OnnxSource {
  /** The model's name (for messages and the effective config). */
  name: string;
  /** The model folder, where labels.txt and label files are looked for. */
  dir: string;
  path: string;
  bytes: Uint8Array;
  /** config.json's fields for this graph, when there is one. */
  file: PartialModelConfig | undefined;
  intraOpThreads: number;
}

export type LoadedOnnx = Pick<
  ModelVersion,
  | 'config'
  | 'batched'
  | 'inputs'
  | 'outputs'
  | 'classification'
  | 'detection'
  | 'image'
  | 'imageOutput'
  | 'model'
>;

/**
 * One ONNX graph as a servable model: a session, its effective config (config.json over the signature)
 * and everything derived from it. Throws with the reason when it cannot be served.
 */
export async function loadOnnx(src: OnnxSource): Promise<LoadedOnnx> {
  let session: InferenceSession | undefined;
  try {
    // skl2onnx's ZipMap output is a sequence of maps, which onnxruntime-node cannot return: the graph is
    // adapted in memory to return ZipMap's input tensor under the same name (the file stays as it is).
    const zipmap = mayHaveZipMap(src.bytes)
      ? (await import('./onnx-graph.js')).exposeZipMapOutputs(src.bytes)
      : undefined;
    const rewritten = await reduceOutputs(src, zipmap?.bytes);
    session = await OnnxModel.createSession(rewritten ?? src.path, src.path, {
      intraOpThreads: src.intraOpThreads,
    });
    const config = autoComplete({ name: src.name, file: src.file, signature: readSignature(session) });
    const described = await describe(src.dir, config, zipmap?.zipmaps ?? []);
    const model = new OnnxModel(
      session,
      described.outputs.map((o) => o.name),
      { source: rewritten ?? src.path, intraOpThreads: src.intraOpThreads },
    );
    return { ...described, model };
  } catch (e) {
    await session?.release().catch(() => undefined);
    throw e;
  }
}

/** The graph with config.json's top_k applied (to `bytes` when an earlier rewrite gave some), if it has one. */
async function reduceOutputs(
  src: OnnxSource,
  bytes: Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  const topK = src.file?.top_k;
  if (!topK || Object.keys(topK).length === 0) return bytes;
  const { appendTopK } = await import('./top-k-graph.js');
  try {
    return appendTopK(bytes ?? src.bytes, topK);
  } catch (e) {
    configError(src.name, (e as Error).message);
  }
}

/** Everything derived from the effective config: specs, labels, classification, image preprocessing. */
async function describe(
  dir: string,
  config: ModelConfig,
  zipmaps: ZipMapOutput[],
): Promise<
  Pick<
    ModelVersion,
    'config' | 'batched' | 'inputs' | 'outputs' | 'classification' | 'detection' | 'image' | 'imageOutput'
  >
> {
  const inputs = config.input.map(ioSpec);
  const outputs = config.output.map(ioSpec);
  const named = config.output.find((o) => o.label_filename);
  let labels: { forOutput?: string; labels?: Label[] } = {};
  if (config.labels) labels = { labels: config.labels };
  else if (named) {
    const read = await readLabelFile(dir, named.label_filename!);
    if (!read)
      configError(
        config.name,
        `output "${named.name}" label_filename ${named.label_filename} does not exist`,
      );
    labels = { forOutput: named.name, labels: read };
  } else {
    const txt = await readLabelFile(dir, 'labels.txt');
    if (txt) labels = { labels: txt };
    else if (zipmaps.length > 0) labels = { forOutput: zipmaps[0].output, labels: zipmaps[0].labels };
  }
  const effective = labels.labels ? { ...config, labels: labels.labels } : config;
  checkPostprocessing(config);
  // A detector's labels name its classes: it is no classifier.
  const detection = detectionOutput(config, outputs, labels.labels);
  const classification = detection ? undefined : detectClassification(config.name, outputs, labels);
  const image = imageInput(config, inputs);
  return {
    config: effective,
    batched: config.max_batch_size > 0,
    inputs,
    outputs,
    classification,
    detection,
    image,
    imageOutput: imageOutput(config, outputs, image?.pre),
  };
}
