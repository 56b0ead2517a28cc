import { BlobServiceClient } from '@azure/storage-blob';
import { BlobRest, HOSTS_CONTAINER, parseConnectionString, startAzurite } from '../../src/index.js';

/** A fresh Azurite with the container blob claims and receipts are kept in, and the REST client they write with. */
export async function startHostsContainer() {
  const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  const hosts = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    HOSTS_CONTAINER,
  );
  await hosts.createIfNotExists();
  const rest = new BlobRest(parseConnectionString(azurite.connectionString));
  const stop = async () => {
    rest.close();
    await azurite.stop();
  };
  return { hosts, rest, stop };
}
