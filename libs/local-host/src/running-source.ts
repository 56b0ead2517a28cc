/**
 * What a started local source or service hands back to the composition root, whatever its trigger: lines
 * worth printing, and how to stop it.
 */
export interface RunningSource {
  readonly name: string;
  /** Human-readable lines for the start-up banner (endpoints, queues, containers...). */
  describe(): string[];
  close(): Promise<void>;
}
