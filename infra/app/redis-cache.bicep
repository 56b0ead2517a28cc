// Azure Cache for Redis (Microsoft.Cache/redis), for tenants that still may create one (`redisService: 'cache'`
// in main.bicep): Microsoft retires every tier on 2028-09-30 and tenants without such a cache before
// 2026-04-01 can no longer create one; main.bicep uses Azure Managed Redis (redis.bicep) by default.
// Microsoft Entra authentication and no access keys: the identity gets a data access policy, and signs in
// with its object id as user name and a token as password, the same app settings as with redis.bicep.
param name string
param location string = resourceGroup().location
param tags object = {}
param identityPrincipalId string
@allowed(['Basic', 'Standard', 'Premium'])
param skuName string = 'Basic'
@description('C0-C6 for Basic and Standard, P1-P5 for Premium.')
param capacity int = skuName == 'Premium' ? 1 : 0

resource redis 'Microsoft.Cache/redis@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
      family: skuName == 'Premium' ? 'P' : 'C'
      capacity: capacity
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    disableAccessKeyAuthentication: true
    redisConfiguration: {
      'aad-enabled': 'true'
      // Everything the apps keep is a cache: any key may be evicted, not only those with a TTL.
      'maxmemory-policy': 'allkeys-lru'
    }
  }
}

resource appsAccess 'Microsoft.Cache/redis/accessPolicyAssignments@2024-11-01' = {
  parent: redis
  name: 'modelfn-apps'
  properties: {
    accessPolicyName: 'Data Contributor'
    objectId: identityPrincipalId
    objectIdAlias: 'modelfn-apps'
  }
}

output name string = redis.name
output hostName string = redis.properties.hostName
output port int = redis.properties.sslPort
