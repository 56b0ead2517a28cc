import type { LoadDriver } from './load/types.js';
import type { Plan } from './plan.js';
import type { Measured } from './results.js';
import { MAX_SALT } from './bodies.js';
import type { HttpBench } from './scenarios/http-load.js';

/** What every scenario gets: the plan, where things are, the load generator, and where rows and notes go. */
export interface SuiteContext {
  plan: Plan;
  repoRoot: string;
  modelsDir: string;
  tmpDir: string;
  driver: LoadDriver;
  /** redis://127.0.0.1:port of the bench's own redis-server, or undefined when none could start. */
  redisUrl: string | undefined;
  tails: string[];
  rows: Measured[];
  notes: string[];
  log(line: string): void;
  http: HttpBench;
}

export function httpBench(ctx: Omit<SuiteContext, 'http'>): HttpBench {
  let salt = 0;
  return {
    driver: ctx.driver,
    durationS: ctx.plan.durationS,
    warmupS: ctx.plan.warmupS,
    tails: ctx.tails,
    nextSalt: () => {
      if (salt >= MAX_SALT) throw new Error('out of salts: more load runs than MAX_SALT');
      return salt++;
    },
    log: ctx.log,
  };
}

/** Runs a scenario; a failure becomes a note (and a row marked failed) instead of ending the bench. */
export async function attempt(ctx: SuiteContext, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    ctx.log(`${what} failed: ${(e as Error).message}`);
    ctx.notes.push(`${what} failed: ${msg}`);
  }
}
