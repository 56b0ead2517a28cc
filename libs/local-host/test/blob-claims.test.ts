// Per-blob-version claims on a real Azurite: one winner among concurrent claimers, done is seen by the others,
// a claim of a dead process is taken over, a live one is not; a claim's own writes survive lost answers.
import { hostname } from 'node:os';
import type { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobClaims, ClaimLostError } from '../src/blob/blob-claims.js';
import { HOSTS_CONTAINER } from '../src/blob/blob-receipts.js';
import type { BlobRest } from '../src/index.js';
import { startHostsContainer } from './support/hosts-container.js';

let hosts: ContainerClient;
let rest: BlobRest;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => ({ hosts, rest, stop } = await startHostsContainer()));

afterAll(() => stop?.());

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

  it('takes its own unfinished claim again at once (a try ended while storage was down), another instance does not', async () => {
    const here = new BlobClaims(rest, HOSTS_CONTAINER, 'claims/c/');
    const elsewhere = new BlobClaims(rest, HOSTS_CONTAINER, 'claims/c/');
    const first = await here.claim('x.png', '0x1');
    expect(first.state).toBe('mine');
    // Neither finished nor released: the claim stays "running" until it lapses, for everyone but its instance.
    expect((await elsewhere.claim('x.png', '0x1')).state).toBe('taken');
    const again = await here.claim('x.png', '0x1');
    expect(again.state).toBe('mine');
    // The first holder is superseded: its writes no longer land.
    await expect(first.finish('completed')).rejects.toBeInstanceOf(ClaimLostError);
    await again.finish('completed');
    expect((await here.claim('x.png', '0x1')).state).toBe('done');
  });

  it('keeps a claim whose write landed but whose answer was lost; loses it once another holder has it', async () => {
    const claims = new BlobClaims(rest, HOSTS_CONTAINER, 'claims/d/');
    const blob = hosts.getBlockBlobClient('claims/d/0x1/x.png');
    const mine = await claims.claim('x.png', '0x1');
    // What a landed write with a lost answer leaves: the same holder's metadata under an ETag the holder never saw.
    const landed = async () => {
      const { metadata } = await blob.getProperties();
      await blob.setMetadata(metadata);
    };
    await landed();
    await mine.renew();
    await landed();
    await mine.finish('completed');
    expect((await blob.getProperties()).metadata?.status).toBe('completed');
    // A renewal after the finish (a timer firing late) does not reopen it.
    await mine.renew();
    expect((await blob.getProperties()).metadata?.status).toBe('completed');

    const second = await claims.claim('y.png', '0x1');
    const other = hosts.getBlockBlobClient('claims/d/0x1/y.png');
    const { metadata } = await other.getProperties();
    await other.setMetadata({ ...metadata, owner: 'another-machine:1', token: 'theirs' });
    await expect(second.renew()).rejects.toBeInstanceOf(ClaimLostError);
    await expect(second.finish('completed')).rejects.toBeInstanceOf(ClaimLostError);
    expect((await other.getProperties()).metadata?.token).toBe('theirs');

    // A claim blob that storage lost is created again by its holder.
    const third = await claims.claim('z.png', '0x1');
    await hosts.getBlockBlobClient('claims/d/0x1/z.png').delete();
    await third.finish('completed');
    expect((await claims.claim('z.png', '0x1')).state).toBe('done');
  });
});
