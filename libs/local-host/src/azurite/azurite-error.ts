export type AzuriteErrorCode =
  | 'AZURITE_NOT_INSTALLED'
  | 'AZURITE_PORT_IN_USE'
  | 'AZURITE_IN_USE'
  | 'AZURITE_START_FAILED'
  | 'AZURITE_START_TIMEOUT';

export class AzuriteError extends Error {
  readonly code: AzuriteErrorCode;

  constructor(code: AzuriteErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AzuriteError';
    this.code = code;
  }
}
