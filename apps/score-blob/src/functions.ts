import { fileURLToPath } from 'node:url';
import { output } from '@azure/functions';
import { observeInvocation, type BlobFunctionDefinition } from '@modelfn/functions';
import { sharedScorer, type Scorer } from '@modelfn/scoring';
import { scoreBlobHandler } from './score-blob.js';
import { blobSettings, type BlobTriggerSource } from './settings.js';

export type { BlobFunctionDefinition };

export interface BlobAppOptions {
  /** Default: the process-wide scorer (settings from the environment). */
  scorer?: () => Promise<Scorer>;
  /** Defaults: BLOB_INPUT_CONTAINER or "images", BLOB_OUTPUT_CONTAINER or "predictions". */
  inputContainer?: string;
  outputContainer?: string;
  /** Default: BLOB_TRIGGER_SOURCE, else 'EventGrid'. */
  source?: BlobTriggerSource;
}

/** The app's functions, defined once: main.ts registers them with Azure, the local host mounts them. */
export function createBlobFunctions(opts: BlobAppOptions = {}): BlobFunctionDefinition[] {
  const connection = blobSettings.connectionSetting;
  const input = opts.inputContainer ?? blobSettings.inputContainer;
  const out = opts.outputContainer ?? blobSettings.outputContainer;
  const errorOutput = output.storageBlob({ path: `${out}/{name}.error.json`, connection });
  // An image answer (postprocessing.image) beside the record, in the format it came in.
  const imageOutputs = {
    container: out,
    png: output.storageBlob({ path: `${out}/{name}.png`, connection }),
    webp: output.storageBlob({ path: `${out}/{name}.webp`, connection }),
  };
  return [
    {
      name: 'scoreBlob',
      options: {
        path: `${input}/{name}`,
        connection,
        source: opts.source ?? blobSettings.triggerSource,
        return: output.storageBlob({ path: `${out}/{name}.json`, connection }),
        extraOutputs: [errorOutput, imageOutputs.png, imageOutputs.webp],
        handler: observeInvocation(
          'blob',
          scoreBlobHandler({ scorer: opts.scorer ?? sharedScorer, errorOutput, imageOutputs }),
        ),
      },
    },
  ];
}

export const blobFunctions: BlobFunctionDefinition[] = createBlobFunctions();

/** This app's host.json (blob parallelism and poison threshold), for hosts that run it outside Azure. */
export const hostJsonPath = fileURLToPath(new URL('../host.json', import.meta.url));

export type { BlobPrediction, BlobErrorRecord } from '@modelfn/functions';
export { BLOB_TRIGGER_SOURCES, type BlobTriggerSource } from './settings.js';
