import { textSetting, type Env } from '@modelfn/settings';

/**
 * The app settings of one connection `name`, as the Functions host reads them: `name` itself (a
 * connection string) or its identity-based properties `name__<property>`.
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#configure-an-identity-based-connection
 */
export interface ConnectionSettings {
  name: string;
  connectionString?: string;
  accountName?: string;
  blobServiceUri?: string;
  queueServiceUri?: string;
  fullyQualifiedNamespace?: string;
  /** `managedidentity`, or unset for DefaultAzureCredential. */
  credential?: string;
  /** Client id of a user-assigned identity. */
  clientId?: string;
}

/** AzureWebJobsStorage, by full names (the README's table lists them). */
export function hostStorageSettings(env: Env): ConnectionSettings {
  return {
    name: 'AzureWebJobsStorage',
    connectionString: textSetting(env, 'AzureWebJobsStorage'),
    accountName: textSetting(env, 'AzureWebJobsStorage__accountName'),
    blobServiceUri: textSetting(env, 'AzureWebJobsStorage__blobServiceUri'),
    queueServiceUri: textSetting(env, 'AzureWebJobsStorage__queueServiceUri'),
    credential: textSetting(env, 'AzureWebJobsStorage__credential'),
    clientId: textSetting(env, 'AzureWebJobsStorage__clientId'),
  };
}

/** ServiceBusConnection, by full names. */
export function serviceBusSettings(env: Env): ConnectionSettings {
  return {
    name: 'ServiceBusConnection',
    connectionString: textSetting(env, 'ServiceBusConnection'),
    fullyQualifiedNamespace: textSetting(env, 'ServiceBusConnection__fullyQualifiedNamespace'),
    credential: textSetting(env, 'ServiceBusConnection__credential'),
    clientId: textSetting(env, 'ServiceBusConnection__clientId'),
  };
}

/** Any connection name a binding may use (the two above are the ones our apps use). */
export function connectionSettings(env: Env, name: string): ConnectionSettings {
  if (name === 'AzureWebJobsStorage') return hostStorageSettings(env);
  if (name === 'ServiceBusConnection') return serviceBusSettings(env);
  const part = (p: string) => textSetting(env, `${name}__${p}`);
  return {
    name,
    connectionString: textSetting(env, name),
    accountName: part('accountName'),
    blobServiceUri: part('blobServiceUri'),
    queueServiceUri: part('queueServiceUri'),
    fullyQualifiedNamespace: part('fullyQualifiedNamespace'),
    credential: part('credential'),
    clientId: part('clientId'),
  };
}
