import type { CacheLookup, RowCache } from './row-cache.js';

/** CACHE_MODE=off: never asked, so every row is reported as a bypass and always inferred. */
export class OffCache implements RowCache {
  readonly kind = 'off' as const;

  async getMany(keys: string[]): Promise<CacheLookup> {
    return { values: new Array<Uint8Array | undefined>(keys.length).fill(undefined), available: false };
  }

  async setMany(): Promise<void> {}

  async close(): Promise<void> {}
}
