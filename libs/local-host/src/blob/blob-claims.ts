import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isAlive } from '@modelfn/dev-processes';
import { BlobRestError, type BlobRest } from './blob-rest.js';

/**
 * How long a claim holds without renewal. A host renews its claims while it works on them; a claim whose
 * host crashed lapses after this (at once when that host ran on this machine and its process is gone).
 */
export const CLAIM_MS = 60_000;

export type ClaimState = 'mine' | 'taken' | 'done';

/** A blob version this host may run: renew it while working, finish it once the outputs are written. */
export interface Claim {
  readonly state: ClaimState;
  renew(): Promise<void>;
  finish(status: 'completed' | 'poisoned'): Promise<void>;
  /** Gives the version up unfinished (this host stops): any host may take it at once. */
  release(): Promise<void>;
}

/** The claim now belongs to another holder (it lapsed and was taken over): this one must not finish it. */
export class ClaimLostError extends Error {
  readonly code = 'BLOB_CLAIM_LOST';
}

/** `host:pid`: which process holds a claim, so a claim of a dead process on this machine is taken over. */
function ownerId(): string {
  return `${hostname()}:${process.pid}`;
}

function ownerGone(owner: string | undefined): boolean {
  if (!owner) return true;
  const at = owner.lastIndexOf(':');
  const pid = Number(owner.slice(at + 1));
  return owner.slice(0, at) === hostname() && Number.isInteger(pid) && pid !== process.pid && !isAlive(pid);
}

const conflict = (e: unknown) => e instanceof BlobRestError && (e.statusCode === 409 || e.statusCode === 412);
const notFound = (e: unknown) => e instanceof BlobRestError && e.statusCode === 404;

/**
 * Several hosts on one storage account run each blob version once: before running a version, a host creates
 * its claim blob (`<prefix><etag>/<blob name>` in the hosts container) with If-None-Match: *, so exactly one
 * create succeeds. The claim's metadata says who holds it, until when, and whether it was given up or
 * poisoned; a version its holder completed is recorded in that holder's receipt journal (`recorded`) rather
 * than in the claim, a request per blob less. A lapsed claim of a version no journal records is taken over
 * with If-Match on its ETag, so again only one host wins. This is the Functions
 * host's per-blob receipt and lease (`blobreceipts/{hostId}/{function}/"{etag}"/{container}/{blob}`), with
 * the lease kept in the metadata so the one conditional write both takes and records it.
 *
 * A claim this instance left behind unfinished (its job ended while storage was down, so the claim could
 * not be given up, or the answer to its create was lost) is taken again at once: the jobs run one try of a
 * version at a time, so a new try here means nobody here works on it. Without that, the retry of a
 * transient failure waited for the claim to lapse (CLAIM_MS).
 */
export class BlobClaims {
  private readonly owner = ownerId();
  /** Several sources may run in one process (tests, two apps): each recognises only its own claims. */
  private readonly instance = randomUUID();

  constructor(
    private readonly rest: BlobRest,
    private readonly container: string,
    readonly prefix: string,
    /**
     * Whether a host's receipt journal records the version: a job that completes a version leaves its claim
     * `running` (until it lapses) and says so in its journal only, one request per blob less.
     */
    private readonly recorded: (blobName: string, etag: string) => Promise<boolean> = async () => false,
  ) {}

  async claim(blobName: string, etag: string): Promise<Claim> {
    const name = `${this.prefix}${etag}/${blobName}`;
    const held = new HeldClaim(this.rest, this.container, name, {
      owner: this.owner,
      instance: this.instance,
      token: randomUUID(),
    });
    try {
      await held.take({ ifNoneMatch: '*' });
      return held;
    } catch (e) {
      if (!conflict(e)) throw e;
    }
    const existing = await this.rest.get(this.container, name);
    const meta = existing.metadata;
    if (meta.status === 'completed' || meta.status === 'poisoned') return settled('done');
    // Another holder's claim still `running` may be a version it completed: its journal says so.
    if (meta.status === 'running' && meta.instance !== this.instance && (await this.recorded(blobName, etag)))
      return settled('done');
    const lapsed =
      meta.instance === this.instance || Number(meta.until ?? 0) < Date.now() || ownerGone(meta.owner);
    if (!lapsed) return settled('taken');
    try {
      await held.take({ ifMatch: String(existing.headers.etag ?? '') });
      return held;
    } catch (e) {
      if (conflict(e)) return settled('taken');
      throw e;
    }
  }
}

interface Holder {
  owner: string;
  instance: string;
  /** One per claim taken: tells this holder's own writes from a later holder's. */
  token: string;
}

/**
 * A claim this host holds. Its writes go one at a time, each If-Match on the ETag of the one before, so a
 * renewal never lands after the finish. A write refused because the claim changed is tried again while the
 * claim still carries this holder's token: the earlier write landed but its answer was lost, or storage
 * came back with an older copy. Otherwise another host has it (ClaimLostError).
 */
class HeldClaim implements Claim {
  readonly state = 'mine';
  private etag: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** Finished or released: renewals stop. */
  private ended = false;

  constructor(
    private readonly rest: BlobRest,
    private readonly container: string,
    private readonly name: string,
    private readonly holder: Holder,
  ) {}

  async take(condition: { ifMatch: string } | { ifNoneMatch: '*' }): Promise<void> {
    this.etag = await this.rest.putMetadataIf(this.container, this.name, this.running(), condition);
  }

  renew(): Promise<void> {
    return this.serial(() => (this.ended ? Promise.resolve() : this.write(this.running())));
  }

  finish(status: 'completed' | 'poisoned'): Promise<void> {
    return this.serial(async () => {
      await this.write(this.stopped(status));
      this.ended = true;
    });
  }

  release(): Promise<void> {
    return this.serial(async () => {
      await this.write(this.stopped('released'));
      this.ended = true;
    });
  }

  private running(): Record<string, string> {
    return { status: 'running', ...this.holder, until: String(Date.now() + CLAIM_MS) };
  }

  private stopped(status: string): Record<string, string> {
    return { status, ...this.holder, until: '0' };
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(metadata: Record<string, string>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const condition = this.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: this.etag };
      try {
        this.etag = await this.rest.putMetadataIf(this.container, this.name, metadata, condition);
        return;
      } catch (e) {
        if (!conflict(e) || attempt >= 3) throw e;
      }
      let current;
      try {
        current = await this.rest.get(this.container, this.name);
      } catch (e) {
        // The claim blob is gone (storage lost it): create it again, unless another host does first.
        if (!notFound(e)) throw e;
        this.etag = undefined;
        continue;
      }
      if (current.metadata.token !== this.holder.token) {
        throw new ClaimLostError(
          `the claim ${this.name} was taken over by ${current.metadata.owner ?? 'another host'} (it lapsed while this host could not renew it); that host runs the blob`,
        );
      }
      this.etag = String(current.headers.etag ?? '');
    }
  }
}

function settled(state: ClaimState): Claim {
  const nothing = async () => undefined;
  return { state, renew: nothing, finish: nothing, release: nothing };
}
