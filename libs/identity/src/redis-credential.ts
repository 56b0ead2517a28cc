import type { TokenCredential } from '@azure/identity';
import { SettingError } from '@modelfn/settings';
import { credentialOf } from './credential.js';

/**
 * The credential for Redis with Microsoft Entra ID: `kind` is REDIS_CREDENTIAL, `managedidentity` (with
 * `clientId`, REDIS_CLIENT_ID, for a user-assigned identity) or `default` (DefaultAzureCredential), the
 * vocabulary of `<connection>__credential`.
 */
export function redisCredential(kind: string, clientId?: string): TokenCredential {
  const k = kind.toLowerCase();
  if (k !== 'default' && k !== 'managedidentity') {
    throw new SettingError(
      'REDIS_CREDENTIAL',
      `REDIS_CREDENTIAL must be "managedidentity" or "default" (unset: no Entra ID), got "${kind}"`,
    );
  }
  return credentialOf({ name: 'REDIS', credential: k === 'default' ? undefined : k, clientId });
}
