// Azure Cache for Redis with Microsoft Entra authentication and no access keys: the identity gets a data
// access policy, and signs in with its object id as user name and a token as password.
param name string
param location string = resourceGroup().location
param tags object = {}
param identityPrincipalId string
@allowed(['Basic', 'Standard', 'Premium'])
param skuName string = 'Basic'
param capacity int = 0

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
output sslPort int = redis.properties.sslPort
