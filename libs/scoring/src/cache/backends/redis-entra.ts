import type { TokenCredential } from '@modelfn/identity';
import type { RedisClientOptions } from '@redis/client';

type CredentialsProvider = NonNullable<RedisClientOptions['credentialsProvider']>;

/** Token lifetime elapsed before @redis/entraid fetches a new one and re-AUTHs every open connection. */
export const TOKEN_REFRESH_RATIO = 0.75;

/**
 * Microsoft Entra ID for Redis through @redis/entraid: each connection signs in with the credential's token
 * for https://redis.azure.com as password, and is re-authenticated (AUTH) with a fresh token before the old
 * one expires. The user name is `username` (REDIS_USERNAME: Azure Cache's access policy assignment names the
 * identity's object id) or else the token's `oid` claim, as @redis/entraid's default.
 *
 * @redis/entraid (and its MSAL) is imported at the first connection, not at start: hosts with access keys,
 * or none, never load it.
 */
export function entraIdCredentialsProvider(
  credential: TokenCredential,
  username: string | undefined,
  onError: (err: Error) => void,
): CredentialsProvider {
  type Streaming = Extract<CredentialsProvider, { type: 'streaming-credentials-provider' }>;
  let inner: Promise<Streaming> | undefined;
  const load = () =>
    (inner ??= import('@redis/entraid').then(({ EntraIdCredentialsProviderFactory, REDIS_SCOPE_DEFAULT }) =>
      EntraIdCredentialsProviderFactory.createForDefaultAzureCredential({
        credential,
        scopes: REDIS_SCOPE_DEFAULT,
        tokenManagerConfig: { expirationRefreshRatio: TOKEN_REFRESH_RATIO },
        onReAuthenticationError: (e) => onError(e),
        onRetryableError: (message) => onError(new Error(`Entra ID token for Redis: ${message}`)),
        ...(username ? { credentialsMapper: (token) => ({ username, password: tokenText(token) }) } : {}),
      }),
    ));
  return {
    type: 'streaming-credentials-provider',
    subscribe: async (listener) => (await load()).subscribe(listener),
    onReAuthenticationError: (e) => onError(e),
  };
}

/** The mapper gets an @azure/identity AccessToken here (MSAL's AuthenticationResult in other flows). */
function tokenText(token: { token?: string; accessToken?: string }): string {
  return token.token ?? token.accessToken ?? '';
}
