// One Flex Consumption plan and Function app (a Flex plan holds one app), as Microsoft's Flex azd templates
// make them: the code package in a blob container read with the user-assigned identity, host storage and
// Application Insights reached with that identity too.
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}
@description('The service name in azure.yaml: azd finds the app by this tag.')
param serviceName string
param storageAccountName string
param deploymentStorageContainerName string
param applicationInsightsName string
param identityId string
param identityClientId string
param appSettings object = {}
param runtimeVersion string = '22'
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40
@description('Instances of the HTTP scale group kept running (billed while idle); 0 lets the app scale to zero.')
@minValue(0)
param alwaysReadyHttpInstances int = 0
@description('Concurrent HTTP invocations per instance before Flex adds one; 16 is its default for 2048 MB.')
@minValue(1)
param httpPerInstanceConcurrency int = 16

resource stg 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

module plan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: '${serviceName}-plan'
  params: {
    name: planName
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

// Host storage through the identity (the account allows no shared keys), as Azure documents identity-based
// connections: https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
var baseAppSettings = {
  AzureWebJobsStorage__accountName: stg.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

module app 'br/public:avm/res/web/site:0.15.1' = {
  name: '${serviceName}-flex-consumption'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    serverFarmResourceId: plan.outputs.resourceId
    managedIdentities: {
      systemAssigned: false
      userAssignedResourceIds: [identityId]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stg.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // 'http' is the group all HTTP functions of the app scale in; an empty list is Flex's default.
        alwaysReady: alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'node'
        version: runtimeVersion
      }
    }
    siteConfig: {
      alwaysOn: false
    }
    appSettingsKeyValuePairs: union(appSettings, baseAppSettings)
  }
}

output name string = app.outputs.name
output uri string = 'https://${app.outputs.defaultHostname}'
