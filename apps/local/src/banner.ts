import { relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningHttpWorkers, RunningSource } from '@modelfn/local-host';
import type { ModelSummary } from '@modelfn/scoring';

const SAMPLES = fileURLToPath(new URL('../samples/', import.meta.url));

/** A path as short as it can be from where the user typed `npm start`, so the curl lines paste as they are. */
function shortPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export interface BannerInput {
  models: ModelSummary[];
  modelRoot: string;
  services: RunningSource[];
  http: RunningHttpWorkers;
  cwd: string;
}

/** What is running and how to try it: every endpoint, then curl lines for a PNG digit and for JSON rows. */
export function banner({ models, modelRoot, services, http, cwd }: BannerInput): string {
  const modelLines = models.length
    ? models.map(
        (m) => `Model    ${m.name}:${m.latest ?? '-'} ${m.ready ? 'ready' : `NOT READY: ${m.reason}`}`,
      )
    : [`Model    none found in ${modelRoot} (MODEL_REPOSITORY)`];
  const score = http.routes.find((r) => r.name === 'score');
  const scoreUrl = `${http.url}${score?.path ?? '/score'}`;
  const png = shortPath(`${SAMPLES}digit-7.png`, cwd);
  const json = shortPath(`${SAMPLES}digit-7.json`, cwd);
  // LOCAL_HOST_WORKERS > 1: HTTP is served by cluster workers (their count closes the endpoint list).
  const workers = http.pids.length > 1 ? ` (worker pids ${http.pids.join(', ')})` : '';
  return [
    '',
    'modelfn is running on this machine',
    ...modelLines.map((l) => `  ${l}`),
    ...services.flatMap((s) => s.describe()).map((l) => `  ${l}`),
    `  HTTP     ${http.url}${workers}`,
    '',
    'Endpoints',
    ...http.describe().map((l) => `  ${l}`),
    '',
    'Try it (a handwritten 7 from the MNIST test set)',
    `  curl -s -H 'content-type: image/png' --data-binary @${png} ${scoreUrl}`,
    `  curl -s -H 'content-type: application/json' --data-binary @${json} '${scoreUrl}?probabilities=true'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
