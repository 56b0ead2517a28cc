import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { SettingError } from '@modelfn/settings';
import type { ConnectionSettings } from './connection-settings.js';

type Identity = typeof import('@azure/identity');

/**
 * A credential whose @azure/identity (and MSAL: ~250 ms to import) is loaded at the first token request,
 * so a host that never uses an identity, or not yet, does not pay for it at start.
 */
class LazyCredential implements TokenCredential {
  #inner: Promise<TokenCredential> | undefined;

  constructor(private readonly make: (identity: Identity) => TokenCredential) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.#inner ??= import('@azure/identity').then(this.make);
    return (await this.#inner).getToken(scopes, options);
  }
}

/**
 * The credential of an identity-based connection, as the Functions host reads it: `<prefix>__credential`
 * = `managedidentity` (with `<prefix>__clientId` for a user-assigned identity) uses the app's managed
 * identity; unset, DefaultAzureCredential (a developer's `az login`, environment variables, or a managed
 * identity, user-assigned when `<prefix>__clientId` is set).
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
 */
export function credentialOf(
  connection: Pick<ConnectionSettings, 'name' | 'credential' | 'clientId'>,
): TokenCredential {
  const { name: prefix, credential: kind, clientId } = connection;
  if (kind === undefined) {
    return new LazyCredential(
      (id) => new id.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
    );
  }
  if (kind.toLowerCase() !== 'managedidentity') {
    throw new SettingError(
      `${prefix}__credential`,
      `${prefix}__credential must be "managedidentity" (or unset for DefaultAzureCredential), got "${kind}"`,
    );
  }
  return new LazyCredential((id) =>
    clientId ? new id.ManagedIdentityCredential({ clientId }) : new id.ManagedIdentityCredential(),
  );
}
