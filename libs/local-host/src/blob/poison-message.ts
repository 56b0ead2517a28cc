/** The queue the Functions host puts blobs on after the last failed try. */
export const POISON_QUEUE = 'webjobs-blobtrigger-poison';

/** The host's poison message (BlobTriggerMessage), base64 as the host encodes queue messages. */
export function poisonMessage(
  functionName: string,
  container: string,
  blobName: string,
  etag: string,
): string {
  const message = {
    Type: 'BlobTrigger',
    FunctionId: `Host.Functions.${functionName}`,
    BlobType: 'BlockBlob',
    ContainerName: container,
    BlobName: blobName,
    ETag: etag,
  };
  return Buffer.from(JSON.stringify(message)).toString('base64');
}
