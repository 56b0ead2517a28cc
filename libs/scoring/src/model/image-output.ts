import type { ImagePreprocessing } from './image-preprocessing.js';
import {
  channelProblem,
  imageDims,
  parseImagePostprocessing,
  type ImageOutput,
} from './image-postprocessing.js';
import type { IoSpec } from './io-spec.js';
import { configError, type ModelConfig } from './model-config.js';

/**
 * The output a model answers as an image, per `postprocessing.image`: one of its served outputs (config.json
 * `outputs` filters them first), numeric, shaped like an image ([H,W], [C,H,W] or [H,W,C] per row) with
 * the channels its mode needs, as far as its dims are fixed.
 */
export function imageOutput(
  config: ModelConfig,
  outputs: IoSpec[],
  pre: ImagePreprocessing | undefined,
): ImageOutput | undefined {
  const raw = config.postprocessing?.image;
  if (raw === undefined) return undefined;
  const post = parseImagePostprocessing(
    raw,
    `model "${config.name}": config.json postprocessing.image`,
    outputs,
    pre,
  );
  const output = outputs.findIndex((o) => o.name === post.output);
  const spec = outputs[output];
  const batched = config.max_batch_size > 0;
  if (spec.datatype === 'BYTES')
    configError(config.name, `postprocessing.image.output "${spec.name}" holds strings, not pixel values`);
  // A batched model's dims are a row's: the full shape has the batch before them.
  const dims = imageDims(batched ? [-1, ...spec.dims] : spec.dims, batched, post.layout);
  if (!dims)
    configError(
      config.name,
      `postprocessing.image.output "${spec.name}" has dims [${spec.dims}]${batched ? ' per row' : ''}, not an image ([H,W], [C,H,W] or [H,W,C], a leading 1 for the batch)`,
    );
  const problem = channelProblem(dims, post);
  if (problem) configError(config.name, `postprocessing.image: ${problem}`);
  return { output, post };
}
