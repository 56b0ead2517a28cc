import type { HttpFunctionOptions } from '@azure/functions';

/**
 * A function as an app defines it once: the name and the very options object it passes to `app.http`,
 * `app.storageBlob`, `app.serviceBusQueue`... The Functions entry point registers these with `app.*`; the
 * local host mounts the same objects, so both run the same handlers with the same trigger settings.
 */
export interface FunctionDefinition<TOptions> {
  name: string;
  options: TOptions;
}

export type HttpFunctionDefinition = FunctionDefinition<HttpFunctionOptions>;

/**
 * What a started local source hands back to the composition root, whatever its trigger: where it listens,
 * lines worth printing, and how to stop it.
 */
export interface RunningSource {
  readonly name: string;
  /** Human-readable lines for the start-up banner (endpoints, queues, containers...). */
  describe(): string[];
  close(): Promise<void>;
}

/** The subset of a pino logger the local host writes to (pino's Logger satisfies it). */
export interface HostLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
