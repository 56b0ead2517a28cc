import type { CacheStatus, RowCache } from './backends/row-cache.js';
import { keyPrefix, type ModelIdentity } from './rows/key-prefix.js';

/** Told the outcome of each lookup (an entry script's run adds them up into its own cache status). */
export interface LookupOutcome {
  add(status: CacheStatus): void;
}

/**
 * An entry script's own results (its `context.cache`): JSON values under the script's keys, kept in the row
 * cache (its TTL, breaker and timeouts) as `{model's key prefix}kv:{key}`, so a retrained model never reads a
 * value of the old one. Never throws for the cache's sake: an unavailable cache is a miss and a dropped write.
 */
export class ResultCache {
  constructor(private readonly rows: RowCache) {}

  /** The value stored under the script's key, or undefined; with CACHE_MODE=off nothing is asked or told. */
  async get<T>(model: ModelIdentity, key: string, outcome?: LookupOutcome): Promise<T | undefined> {
    if (this.rows.kind === 'off') return undefined;
    const lookup = await this.rows.getMany([resultKey(model, key)]);
    const bytes = lookup.values[0];
    outcome?.add(!lookup.available ? 'bypass' : bytes ? 'hit' : 'miss');
    return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as T) : undefined;
  }

  async set(model: ModelIdentity, key: string, value: unknown): Promise<void> {
    if (this.rows.kind === 'off') return;
    await this.rows.setMany([{ key: resultKey(model, key), value: Buffer.from(JSON.stringify(value)) }]);
  }
}

function resultKey(model: ModelIdentity, key: string): string {
  return `${keyPrefix(model)}kv:${key}`;
}
