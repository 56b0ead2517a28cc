import type { InvocationContext, StorageBlobHandler, StorageBlobOutput } from '@azure/functions';
import {
  answerPermanent,
  answeredBy,
  blobErrorRecord,
  blobRecord,
  imageAnswerOf,
  reportOutcome,
  reportScored,
  scoreRequest,
  type BlobPrediction,
} from '@modelfn/functions';
import { outputNamesOf, parseModelRef, ScoringError, type Scorer } from '@modelfn/scoring';

export interface ScoreBlobDeps {
  scorer: () => Promise<Scorer>;
  /** Where a blob that can never be scored gets its error record. */
  errorOutput: StorageBlobOutput;
  /**
   * Where an image answer (a model with postprocessing.image) is written beside the record: `{name}.png`
   * or `{name}.webp` in the output container (`container` names it in the record).
   */
  imageOutputs?: { container: string; png: StorageBlobOutput; webp: StorageBlobOutput };
}

interface BlobMeta {
  path: string;
  contentType?: string;
  /** Optional blob metadata `model: name[:version]`, as the `x-model` header on HTTP. */
  model: unknown;
  /** The blob's properties and metadata, as an entry script sees them. */
  properties: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function blobMeta(context: InvocationContext): BlobMeta {
  const meta = context.triggerMetadata ?? {};
  const props = (meta.properties ?? {}) as Record<string, unknown>;
  const userMeta = (meta.metadata ?? {}) as Record<string, unknown>;
  return {
    path: str(meta.blobTrigger) ?? str(meta.name) ?? 'unknown',
    contentType: str(props.contentType) ?? str(props.ContentType),
    model: userMeta.model,
    properties: { ...props, metadata: userMeta },
  };
}

function bytesOf(blob: unknown): Buffer {
  if (Buffer.isBuffer(blob)) return blob;
  if (blob instanceof Uint8Array) return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (typeof blob === 'string') return Buffer.from(blob);
  throw new ScoringError(
    'INVALID_INPUT',
    `the trigger delivered a ${typeof blob}, not the blob's bytes; leave the trigger's dataType unset`,
  );
}

/**
 * Scores one blob. The result is the return value (written to `predictions/{name}.json`); a permanent
 * failure writes an error record instead and returns normally so the host does not retry; a transient one
 * throws so it does (and, after the last try, the blob goes to the poison queue).
 */
export function scoreBlobHandler(deps: ScoreBlobDeps): StorageBlobHandler {
  return async (blob: unknown, context: InvocationContext): Promise<BlobPrediction | undefined> => {
    const started = performance.now();
    const meta = blobMeta(context);
    const userMeta = meta.properties.metadata as Record<string, unknown>;
    try {
      const result = await scoreRequest(await deps.scorer(), {
        trigger: 'blob',
        payload: { body: bytesOf(blob), contentType: meta.contentType },
        properties: meta.properties,
        blobName: meta.path,
        ...parseModelRef(meta.model, 'blob metadata "model"'),
        // Blob metadata `outputs`: "a,b", as ?outputs= on /score.
        outputs: outputNamesOf(userMeta.outputs),
        // A model with postprocessing.image answers an image, unless metadata `accept` says otherwise.
        ...(deps.imageOutputs ? { image: imageAnswerOf(userMeta.accept, { required: false }) } : {}),
      });
      const { model, version, cache } = answeredBy(result);
      reportScored(context, model, cache, version);
      const image = 'image' in result ? result.image : undefined;
      if (image && deps.imageOutputs) {
        context.extraOutputs.set(deps.imageOutputs[image.format], image.body);
        // The binding's {name}: the trigger path without its container.
        const name = meta.path.slice(meta.path.indexOf('/') + 1);
        const written = `${deps.imageOutputs.container}/${name}.${image.format}`;
        return blobRecord(meta.path, result, performance.now() - started, written);
      }
      return blobRecord(meta.path, result, performance.now() - started);
    } catch (e) {
      const { error } = answerPermanent(e);
      // The invocation's log line (invocation hooks) says why; the error record tells the uploader.
      reportOutcome(context, 'rejected', `${error.code} ${error.message}`);
      context.extraOutputs.set(deps.errorOutput, blobErrorRecord(meta.path, error));
      return undefined;
    }
  };
}
