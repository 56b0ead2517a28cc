import type { CacheStatus } from '../cache/index.js';

/**
 * The cache outcome of one entry-script run, from every lookup it made (whole-result gets and the rows
 * of its infer calls): all found is a hit, some a partial, none a miss; bypass when the cache could not
 * be asked and nothing was found.
 */
export class CacheOutcome {
  private hits = 0;
  private misses = 0;
  private unavailable = 0;

  add(status: CacheStatus): void {
    if (status === 'hit') this.hits++;
    else if (status === 'miss') this.misses++;
    else if (status === 'partial') {
      this.hits++;
      this.misses++;
    } else this.unavailable++;
  }

  get status(): CacheStatus {
    if (this.hits === 0) return this.unavailable > 0 ? 'bypass' : 'miss';
    return this.misses === 0 && this.unavailable === 0 ? 'hit' : 'partial';
  }
}
