import type { TokenCredential } from '@azure/identity';
import type { Env } from '@modelfn/settings';
import { connectionSettings } from './connection-settings.js';
import { credentialOf } from './credential.js';

export type ServiceBusConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; fullyQualifiedNamespace: string; credential: TokenCredential };

/**
 * The Service Bus connection named `name` as the Functions host reads it: the setting is a connection
 * string, or `<name>__fullyQualifiedNamespace` (+ `__credential`, `__clientId`) is reached with an Entra ID
 * credential. `credential` replaces the one the settings describe. Undefined when neither is set.
 */
export function serviceBusConnection(
  env: Env,
  name = 'ServiceBusConnection',
  credential?: TokenCredential,
): ServiceBusConnection | undefined {
  const s = connectionSettings(env, name);
  if (s.connectionString) return { kind: 'connectionString', connectionString: s.connectionString };
  if (!s.fullyQualifiedNamespace) return undefined;
  return {
    kind: 'identity',
    fullyQualifiedNamespace: s.fullyQualifiedNamespace.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, ''),
    credential: credential ?? credentialOf(s),
  };
}
