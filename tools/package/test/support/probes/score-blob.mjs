// Scores a digit image through the registered blob function, as the host would on images/digit-7.png.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { handlerOf, invocationContext } from './context.mjs';

export async function probe(registered) {
  const png = readFileSync(process.env.PROBE_IMAGE);
  return handlerOf(registered, 'scoreBlob')(
    png,
    invocationContext('scoreBlob', {
      blobTrigger: 'images/digit-7.png',
      name: 'digit-7.png',
      properties: { contentType: 'image/png' },
      metadata: {},
    }),
  );
}
