/**
 * The subset of a pino logger that the invocation hooks and the local host write to (pino's Logger
 * satisfies it), so a test can hand them a recorder.
 */
export interface HostLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino's check, used to skip building a line nobody will see. */
  isLevelEnabled?(level: string): boolean;
}
