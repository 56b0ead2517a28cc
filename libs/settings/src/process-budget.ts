import { availableParallelism } from 'node:os';
import { intSetting, type Env } from './read-setting.js';

/**
 * LOCAL_HOST_WORKERS: processes serving HTTP in `npm start`. By default two where there are two cores or
 * more: measured under npm start on two cores, a second process took cache hits from ~10k to ~13-16k
 * requests/s (docs/benchmarks.md); more processes each load every model, so beyond two the memory grows
 * faster than typical laptops gain. One on a single core.
 */
export function localHostWorkers(env: Env = process.env): number {
  return intSetting(env, 'LOCAL_HOST_WORKERS', Math.min(2, availableParallelism()), { min: 1, max: 64 });
}

/**
 * The cores one scoring process may fill with threads: every process of an instance has threads of its
 * own, so together they add up to the machine (Azure Functions runs FUNCTIONS_WORKER_PROCESS_COUNT worker
 * processes per instance; npm start, LOCAL_HOST_WORKERS HTTP processes).
 */
export function coresPerProcess(env: Env = process.env): number {
  const processes = intSetting(env, 'FUNCTIONS_WORKER_PROCESS_COUNT', 0, { min: 0 }) || localHostWorkers(env);
  return Math.max(1, Math.floor(availableParallelism() / processes));
}
