import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markedJson, runCaptured } from './spawn-capture.js';
import type { LoadDriver, LoadResult, LoadSpec } from './types.js';
import { RESULT_MARK, wrkScript } from './wrk-script.js';

interface WrkFigures {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  errors: number;
}

export const WRK_THREADS = 2;

/** wrk (C, epoll): the cheaper generator, so more of the two cores is left to the server under test. */
export function wrkDriver(tmpDir: string): LoadDriver {
  let n = 0;
  return {
    name: 'wrk',
    description: `wrk, ${WRK_THREADS} threads, a separate process; bodies built per request by a Lua script`,
    async run(spec: LoadSpec): Promise<LoadResult> {
      const url = new URL(spec.url);
      const script = join(tmpDir, `wrk-${n++}.lua`);
      await writeFile(script, wrkScript(spec.body, url.pathname + url.search, spec.headers ?? {}));
      const threads = Math.min(WRK_THREADS, spec.connections);
      const out = await runCaptured(
        'wrk',
        [
          '-t',
          String(threads),
          '-c',
          String(spec.connections),
          '-d',
          `${spec.durationS}s`,
          '--timeout',
          '5s',
          '-s',
          script,
          spec.url,
        ],
        { timeoutMs: (spec.durationS + 30) * 1000 },
      );
      const f = markedJson<WrkFigures>(out.stdout, RESULT_MARK);
      if (out.code !== 0 || !f) throw new Error(`wrk failed (exit ${out.code}): ${out.stderr || out.stdout}`);
      const durationS = f.durationUs / 1e6;
      return {
        requests: f.requests,
        durationS,
        rps: f.requests / durationS,
        p50Ms: f.p50Us / 1000,
        p99Ms: f.p99Us / 1000,
        errors: f.errors,
      };
    },
  };
}
