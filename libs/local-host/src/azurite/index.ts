export { startAzurite, type AzuriteOptions, type RunningAzurite } from './start-azurite.js';
export { AzuriteError, type AzuriteErrorCode } from './azurite-error.js';
export { DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY, devConnectionString } from './dev-account.js';
