import { hostname } from 'node:os';
import { isAlive } from '../process/pid-file.js';
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

/**
 * Several hosts on one storage account run each blob version once: before running a version, a host creates
 * its claim blob (`<prefix><etag>/<blob name>` in the hosts container) with If-None-Match: *, so exactly one
 * create succeeds. The claim's metadata says who holds it, until when, and whether the version is done; a
 * lapsed claim is taken over with If-Match on its ETag, so again only one host wins. This is the Functions
 * host's per-blob receipt and lease (`blobreceipts/{hostId}/{function}/"{etag}"/{container}/{blob}`), with
 * the lease kept in the metadata so the one conditional write both takes and records it.
 */
export class BlobClaims {
  private readonly owner = ownerId();

  constructor(
    private readonly rest: BlobRest,
    private readonly container: string,
    readonly prefix: string,
  ) {}

  async claim(blobName: string, etag: string): Promise<Claim> {
    const name = `${this.prefix}${etag}/${blobName}`;
    const running = () => ({ status: 'running', owner: this.owner, until: String(Date.now() + CLAIM_MS) });
    let claimEtag: string;
    try {
      claimEtag = await this.rest.putMetadataIf(this.container, name, running(), { ifNoneMatch: '*' });
    } catch (e) {
      if (!conflict(e)) throw e;
      const existing = await this.rest.get(this.container, name);
      const meta = existing.metadata;
      if (meta.status === 'completed' || meta.status === 'poisoned') return this.settled('done');
      const lapsed = Number(meta.until ?? 0) < Date.now() || ownerGone(meta.owner);
      if (!lapsed) return this.settled('taken');
      try {
        claimEtag = await this.rest.putMetadataIf(this.container, name, running(), {
          ifMatch: String(existing.headers.etag ?? ''),
        });
      } catch (e2) {
        if (conflict(e2)) return this.settled('taken');
        throw e2;
      }
    }
    const write = async (metadata: Record<string, string>) => {
      claimEtag = await this.rest.putMetadataIf(this.container, name, metadata, { ifMatch: claimEtag });
    };
    return {
      state: 'mine',
      renew: () => write(running()),
      finish: (status) => write({ status, owner: this.owner, until: '0' }),
      release: () => write({ status: 'released', owner: this.owner, until: '0' }),
    };
  }

  private settled(state: ClaimState): Claim {
    const nothing = async () => undefined;
    return { state, renew: nothing, finish: nothing, release: nothing };
  }
}
