// Per-blob-version claims on a real Azurite: one winner among concurrent claimers, done is seen by the others,
// a claim of a dead process is taken over, a live one is not.
import { hostname } from 'node:os';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobClaims } from '../src/blob/blob-claims.js';
import { HOSTS_CONTAINER } from '../src/blob/blob-receipts.js';
import { BlobRest, parseConnectionString, startAzurite, type RunningAzurite } from '../src/index.js';

let azurite: RunningAzurite;
let hosts: ContainerClient;
let rest: BlobRest;

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0 });
  hosts = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    HOSTS_CONTAINER,
  );
  await hosts.createIfNotExists();
  rest = new BlobRest(parseConnectionString(azurite.connectionString));
});

afterAll(async () => {
  rest?.close();
  await azurite?.stop();
});

describe('BlobClaims', () => {
  it('gives a version to exactly one of many concurrent claimers; once finished, the others see it done', async () => {
    const claimers = Array.from({ length: 8 }, () => new BlobClaims(rest, HOSTS_CONTAINER, 'claims/a/'));
    const claims = await Promise.all(claimers.map((c) => c.claim('x.png', '0x1')));
    expect(claims.filter((c) => c.state === 'mine')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'taken')).toHaveLength(7);
    const mine = claims.find((c) => c.state === 'mine')!;
    await mine.renew();
    await mine.finish('completed');
    expect((await claimers[3].claim('x.png', '0x1')).state).toBe('done');
    // Another version of the same blob is a new claim; one given up (a host stopping) is taken at once.
    const second = await claimers[3].claim('x.png', '0x2');
    expect(second.state).toBe('mine');
    expect((await claimers[4].claim('x.png', '0x2')).state).toBe('taken');
    await second.release();
    expect((await claimers[4].claim('x.png', '0x2')).state).toBe('mine');
  });

  it('takes over the claim of a process on this machine that is gone, not of one that lives', async () => {
    const claims = new BlobClaims(rest, HOSTS_CONTAINER, 'claims/b/');
    const until = String(Date.now() + 60_000);
    const byHand = async (name: string, owner: string) =>
      hosts
        .getBlockBlobClient(`claims/b/0x1/${name}`)
        .upload('', 0, { metadata: { status: 'running', owner, until } });
    await byHand('dead.png', `${hostname()}:2147483646`);
    await byHand('alive.png', `${hostname()}:1`);
    await byHand('elsewhere.png', 'another-machine:123');
    expect((await claims.claim('dead.png', '0x1')).state).toBe('mine');
    expect((await claims.claim('alive.png', '0x1')).state).toBe('taken');
    expect((await claims.claim('elsewhere.png', '0x1')).state).toBe('taken');
    // A lapsed claim is taken over whoever held it.
    await hosts.getBlockBlobClient('claims/b/0x1/lapsed.png').upload('', 0, {
      metadata: { status: 'running', owner: 'another-machine:1', until: String(Date.now() - 1) },
    });
    expect((await claims.claim('lapsed.png', '0x1')).state).toBe('mine');
  });
});
