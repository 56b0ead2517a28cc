// Hands the registered queue function one message (cardinality many, as the host does); its reply goes to
// the Service Bus that ServiceBusConnection names, where the test reads it.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { handlerOf, invocationContext } from './context.mjs';

export async function probe(registered) {
  const body = JSON.parse(readFileSync(process.env.PROBE_JSON, 'utf8'));
  await handlerOf(registered, 'scoreQueue')(
    [body],
    invocationContext('scoreQueue', {
      messageIdArray: ['probe-1'],
      correlationIdArray: ['probe-correlation'],
      replyToArray: ['scoring-replies'],
      contentTypeArray: ['application/json'],
      applicationPropertiesArray: [{}],
      deliveryCountArray: [1],
    }),
  );
  return { sent: true };
}
