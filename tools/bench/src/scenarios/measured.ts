import type { ChildServer } from '../servers/child-server.js';
import type { SuiteContext } from '../suite-context.js';
import { describeOutcomes, fetchCacheCounts, type CacheCounts } from './cache-outcomes.js';
import { measureHttp, type HttpLoad } from './http-load.js';

/** A measured row on our server, with the x-cache outcomes its metrics counted during the measured run. */
export async function measured(ctx: SuiteContext, s: ChildServer, load: HttpLoad) {
  let before: CacheCounts = {};
  const r = await measureHttp(ctx.http, load, async () => {
    before = await fetchCacheCounts(s.metricsUrl);
  });
  return { r, outcome: describeOutcomes(before, await fetchCacheCounts(s.metricsUrl)) };
}
