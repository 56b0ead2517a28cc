import { ScoringError } from '../errors.js';
import type { InferRequest, ModelAnswer } from '../infer-request.js';
import type { ModelRepository } from '../model/model-repository.js';
import type { ModelVersion } from '../model/model-version.js';
import type { Settings } from '../settings.js';
import { encodeImageAnswer, type ImageAnswerFormat } from './image-answer.js';

/** A request's wish for an image answer (an Accept header, a message's `accept` property, a blob). */
export interface ImageAnswerRequest {
  /** png or webp; default the model's postprocessing.image.format. */
  format?: ImageAnswerFormat;
  /**
   * true (asked for by an Accept header): what cannot be answered as an image is NOT_ACCEPTABLE. false (a
   * blob, a message by default): answered as an image when the model has postprocessing.image and the
   * request allows it, else as tensors.
   */
  required: boolean;
}

/** What an image answer changes in scoring: the one output fetched. */
export interface ImagePlan {
  outputs: string[];
}

const notAcceptable = (why: string) => new ScoringError('NOT_ACCEPTABLE', why);

/**
 * Whether a request is answered as an image, decided before it is decoded: only its model's
 * postprocessing.image output is then fetched (a segmentation model's other maps never leave the session).
 * A request that selects other outputs asked for tensors. Undefined (scored as tensors) when the model is
 * unknown or not ready: scoring says so in its own words.
 */
export function imagePlan(repository: ModelRepository, req: InferRequest): ImagePlan | undefined {
  const wish = req.image;
  if (!wish) return undefined;
  let v: ModelVersion;
  try {
    v = repository.find(req.model, req.version);
  } catch {
    return undefined;
  }
  if (v.state !== 'READY') return undefined;
  if (v.entry || v.script) {
    if (!wish.required) return undefined;
    throw notAcceptable(
      `model "${v.name}" answers through its entry script, which chooses its own content type: accept application/json`,
    );
  }
  const io = v.imageOutput;
  if (!io) {
    if (!wish.required) return undefined;
    throw notAcceptable(
      `model "${v.name}" has no image output (config.json postprocessing.image names the output to answer as an image); accept application/json`,
    );
  }
  const name = v.outputs[io.output].name;
  const asked = req.outputs ? [...new Set(req.outputs)] : undefined;
  if (asked && !(asked.length === 1 && asked[0] === name)) {
    if (!wish.required) return undefined;
    throw notAcceptable(
      `model "${v.name}" answers output "${name}" as an image; ${asked.map((o) => `"${o}"`).join(', ')} ${asked.length === 1 ? 'is' : 'are'} answered as JSON: drop ?outputs= (or select "${name}"), or accept application/json`,
    );
  }
  return { outputs: [name] };
}

/**
 * The answer with its image (`image`), made after the cache (cached rows stay tensors) from the answer's
 * output, the decode's geometry and, for mode "alpha", the sent bytes. A request that did not require an
 * image keeps its tensor answer when it cannot be one (several rows; alpha without a sent image).
 */
export async function withImageAnswer(
  answer: ModelAnswer,
  req: InferRequest,
  settings: Settings,
): Promise<ModelAnswer> {
  const geometry = answer.images?.[0];
  try {
    const image = await encodeImageAnswer({
      model: answer.model,
      outputs: answer.outputs,
      rows: answer.rows,
      format: req.image?.format,
      geometry,
      sent: geometry && 'body' in req ? req.body : undefined,
      limits: settings,
    });
    return { ...answer, image };
  } catch (e) {
    if (!req.image?.required && e instanceof ScoringError && e.code === 'NOT_ACCEPTABLE') return answer;
    throw e;
  }
}
