// The Service Bus app's queues. Local (SAS) auth is off: the apps and the user reach it with Entra ID.
param name string
param location string = resourceGroup().location
param tags object = {}
param requestQueue string
param replyQueue string

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

// After maxDeliveryCount tries a message goes to the queue's dead-letter queue (DESIGN.md: 10).
resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [
  for queue in [requestQueue, replyQueue]: {
    parent: namespace
    name: queue
    properties: {
      maxDeliveryCount: 10
      lockDuration: 'PT1M'
      deadLetteringOnMessageExpiration: true
    }
  }
]

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
