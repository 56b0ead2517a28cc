// Run as `node --expose-gc --import tsx lru-memory-probe.ts <maxBytes> <inserts> <valueBytes>`: fills a
// MemoryLruCache with distinct rows keyed as the scorer keys them, then reports, after full GCs, what the
// process really holds for it. A process of its own so nothing else on the heap moves the figures.
import { createHash } from 'node:crypto';
import { MemoryLruCache } from '../../src/cache/backends/memory-lru.js';

const [maxBytes, inserts, valueBytes] = process.argv.slice(2).map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function settled() {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { held: m.heapUsed + m.external, rss: m.rss };
}

/** A row key as keyPrefix() and a sha256 make it: ~93 ASCII characters. */
const keyOf = (i: number) =>
  `modelfn:mnist:1:abcdef012345:${createHash('sha256').update(String(i)).digest('hex')}`;

const before = settled();
const cache = new MemoryLruCache({ maxBytes, ttlSeconds: 3600 });
const row = new Uint8Array(valueBytes);
for (let i = 0; i < inserts; i++) {
  row[0] = i & 0xff;
  cache.set(keyOf(i), row);
}
const after = settled();
let payload = 0;
for (let i = inserts - 1; i >= 0 && cache.has(keyOf(i)); i--) payload += keyOf(i).length + valueBytes;
process.stdout.write(
  JSON.stringify({
    size: cache.size,
    estimated: cache.bytes,
    payload,
    held: after.held - before.held,
    rssGrowth: after.rss - before.rss,
  }) + '\n',
);
