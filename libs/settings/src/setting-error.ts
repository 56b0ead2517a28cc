/** A setting (environment variable / app setting) whose value cannot be used; the message names it. */
export class SettingError extends Error {
  readonly code = 'INVALID_SETTING';

  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingError';
  }
}
