import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markedJson, runCaptured } from './spawn-capture.js';
import type { LoadDriver, LoadResult, LoadSpec } from './types.js';
import { RESULT_MARK } from './wrk-script.js';

const CHILD = fileURLToPath(new URL('./autocannon-child.ts', import.meta.url));

/** autocannon in a child Node process (one thread): used when wrk is not installed. */
export function autocannonDriver(tmpDir: string, repoRoot: string): LoadDriver {
  let n = 0;
  return {
    name: 'autocannon',
    description: 'autocannon 9, one Node process of its own (no worker threads); bodies built per request',
    async run(spec: LoadSpec): Promise<LoadResult> {
      const file = join(tmpDir, `autocannon-${n++}.json`);
      await writeFile(file, JSON.stringify(spec));
      const out = await runCaptured(process.execPath, ['--import', 'tsx', CHILD, file], {
        cwd: repoRoot,
        timeoutMs: (spec.durationS + 30) * 1000,
      });
      const r = markedJson<LoadResult>(out.stdout, RESULT_MARK);
      if (out.code !== 0 || !r)
        throw new Error(`autocannon failed (exit ${out.code}): ${out.stderr || out.stdout}`);
      return r;
    },
  };
}
