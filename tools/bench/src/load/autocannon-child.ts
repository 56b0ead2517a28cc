// Child process: one autocannon run, so the load generator is a process of its own as wrk is.
// argv[2] is a JSON file holding the LoadSpec; prints RESULT_MARK + LoadResult.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { bodyText } from '../bodies.js';
import type { LoadResult, LoadSpec } from './types.js';
import { RESULT_MARK } from './wrk-script.js';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadSpec;
let i = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationS,
  timeout: 5,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...spec.headers },
      // One process is one stream; the counter makes every body of a miss row distinct.
      setupRequest: (req) => ({ ...req, body: bodyText(spec.body, 0, i++) }),
    },
  ],
});
const out: LoadResult = {
  requests: result.requests.total,
  durationS: result.duration,
  rps: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
};
process.stdout.write(`${RESULT_MARK}${JSON.stringify(out)}\n`);
