import type { InvocationContext, StorageBlobHandler, StorageBlobOutput } from '@azure/functions';
import { reportOutcome, reportScored } from '@modelfn/functions';
import { parseModelRef, ScoringError, toScoringError, type Scorer } from '@modelfn/scoring';
import { entryRecord, errorRecord, predictionRecord, type BlobPrediction } from './records.js';

export interface ScoreBlobDeps {
  scorer: () => Promise<Scorer>;
  /** Where a blob that can never be scored gets its error record. */
  errorOutput: StorageBlobOutput;
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
    try {
      const scorer = await deps.scorer();
      const ref = parseModelRef(meta.model, 'blob metadata "model"');
      if (scorer.hasEntryScript(ref)) {
        const answer = await scorer.runEntry({
          trigger: 'blob',
          body: bytesOf(blob),
          contentType: meta.contentType,
          properties: meta.properties,
          blobName: meta.path,
          ...ref,
        });
        reportScored(context, answer.model.name, answer.cache);
        return entryRecord(meta.path, answer, performance.now() - started);
      }
      const result = await scorer.score({
        body: bytesOf(blob),
        contentType: meta.contentType,
        ...ref,
      });
      reportScored(context, result.model.name, result.cache);
      return predictionRecord(meta.path, result, performance.now() - started);
    } catch (e) {
      const err = toScoringError(e);
      if (!err.permanent) throw err;
      // The invocation's log line (invocation hooks) says why; the error record tells the uploader.
      reportOutcome(context, 'rejected', `${err.code} ${err.message}`);
      context.extraOutputs.set(deps.errorOutput, errorRecord(meta.path, err));
      return undefined;
    }
  };
}
