// Azure Managed Redis (Microsoft.Cache/redisEnterprise), the successor of Azure Cache for Redis: tenants that
// had no Azure Cache for Redis before 2026-04-01 can only create this one. Microsoft Entra ID only (no access
// keys): the identity gets the database's `default` access policy and signs in with its object id as user
// name and a token as password, exactly as with Azure Cache for Redis, so the app settings do not change.
param name string
param location string = resourceGroup().location
param tags object = {}
param identityPrincipalId string
@description('Balanced_B0 is the smallest Azure Managed Redis SKU.')
param skuName string = 'Balanced_B0'
@description('Disabled halves the price (no replica); a lost node then empties the cache, which only costs misses.')
@allowed(['Enabled', 'Disabled'])
param highAvailability string = 'Enabled'

resource cluster 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: highAvailability
  }
}

// EnterpriseCluster: the proxy in front of the shards serves one endpoint and routes each key itself, so the
// apps' plain (non-cluster) node-redis client works unchanged, and MGET across hash slots is allowed; MGET of
// a batch's rows is the only multi-key command the cache sends. OSSCluster would need the cluster client
// (REDIS_CLUSTER=true) and per-slot MGETs, for throughput that a Balanced_B0 does not have to spread. The
// policy cannot be changed without deleting the database. Everything in it is a cache, so any key may be
// evicted (AllKeysLRU): inputs stored without a TTL must not fill it up.
resource database 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    evictionPolicy: 'AllKeysLRU'
    accessKeysAuthentication: 'Disabled'
  }
}

// The name allows letters and digits only.
resource appsAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01' = {
  parent: database
  name: 'modelfnapps'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: identityPrincipalId
    }
  }
}

output name string = cluster.name
// <name>.<region>.redis.azure.net
output hostName string = cluster.properties.hostName
output port int = database.properties.port
