// modelfn on Azure Functions Flex Consumption: the three trigger apps, each on its own Flex plan, sharing one
// user-assigned identity, storage account (shared keys off), Service Bus namespace, Azure Managed Redis (or
// Azure Cache for Redis; Entra ID only) and Application Insights. Modelled on Microsoft's Flex azd templates
// (functions-quickstart-javascript-azd, functions-quickstart-typescript-azd-eventgrid-blob).
// Never compiled or deployed from this repository's CI: see README "Deploy to Azure".
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; a hash of it names every resource.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer Flex Consumption.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the principal running azd (data roles for trying the triggers); empty for none.')
param principalId string = ''

@description('What principalId is: User at a terminal, ServicePrincipal when azd runs from CI (AZURE_PRINCIPAL_TYPE).')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Node.js version of the Flex apps (the container images use Node 22 too).')
param nodeVersion string = '22'

@description('managed: Azure Managed Redis (any tenant can create it). cache: Azure Cache for Redis, retired on 2028-09-30 and creatable only by tenants that had one before 2026-04-01.')
@allowed(['managed', 'cache'])
param redisService string = 'managed'

@description('Azure Managed Redis SKU (redisService managed): Balanced_B0 is the smallest.')
param managedRedisSku string = 'Balanced_B0'

@description('Azure Cache for Redis tier (redisService cache): Basic C0 is the cheapest; Standard adds a replica.')
@allowed(['Basic', 'Standard', 'Premium'])
param redisSku string = 'Basic'

@description('Always-ready instances of the HTTP app (billed per hour while idle; 0 lets it scale to zero).')
@minValue(0)
param httpAlwaysReadyInstances int = 0

@description('Concurrent HTTP invocations per instance of the HTTP app before Flex adds another (its default at 2048 MB).')
@minValue(1)
param httpPerInstanceConcurrency int = 16

@description('Hours a job\'s answer is kept (HTTP_JOB_RETENTION_HOURS): the status URL answers 404 after them, and a storage lifecycle rule removes the jobs container\'s blobs the whole number of days after (it runs once a day).')
@minValue(1)
@maxValue(8760)
param httpJobRetentionHours int = 24

@description('Memory of each Flex instance of every app (MB); CPU comes in proportion. 2048 fits an app serving OCR; 512 fits one serving mnist alone (MODELS=mnist), not one serving OCR (README "Instance size").')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('The models every app serves, comma-separated (MODELS); empty: every model of the repository. The others are neither scanned nor loaded.')
param models string = ''

@description('true: the apps read their models from the `models` container (MODEL_REPOSITORY=blob:models, MODEL_CONTROL_MODE=poll) instead of their packages, each instance every 15 s, and the postdeploy hook subscribes the HTTP app\'s /repository/events to the container\'s blob events (README "Updating models"). false: the models ship in the packages and change with a deploy.')
param modelsInBlob bool = false

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var inputContainer = 'images'
var outputContainer = 'predictions'
var requestQueue = 'scoring-requests'
var replyQueue = 'scoring-replies'
// The Storage Queue app's queues (in the storage account), and where it writes answers over 64 KiB.
var queueRequestQueue = 'scoring-queue-requests'
var queueReplyQueue = 'scoring-queue-replies'
var queueAnswerContainer = 'queue-answers'
// Where the Service Bus app writes answers larger than a reply message may be (256 KB on Standard).
var serviceBusAnswerContainer = 'servicebus-answers'
// The HTTP app's jobs (POST /score answered 202): each one's request and answer, and the queue its job
// function takes them from.
var jobContainer = 'jobs'
var jobQueue = 'scoring-jobs'
// Events Event Grid could not deliver to the blob app's webhook (after its retries) land here.
var deadLetterContainer = 'eventgrid-deadletter'
// The model repository with modelsInBlob (MODELS_IN_BLOB): Triton's layout, `<model>/config.json`,
// `<model>/<version>/model.onnx`; uploaded by the operator (README "Updating models").
var modelContainer = 'models'
var services = ['score-http', 'score-blob', 'score-servicebus', 'score-queue']
var packageContainers = [for s in services: 'app-package-${s}-${take(resourceToken, 7)}']
var containers = [
  for c in concat(packageContainers, [inputContainer, outputContainer, deadLetterContainer], [queueAnswerContainer, serviceBusAnswerContainer, jobContainer], modelsInBlob ? [modelContainer] : []): {
    name: c
  }
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}modelfn-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: containers
    }
    // Jobs' requests and answers are removed once past their retention (whole days, rounded up: the status
    // URL itself answers 404 from HTTP_JOB_RETENTION_HOURS on, whenever this rule runs).
    managementPolicyRules: [
      {
        name: 'expire-jobs'
        enabled: true
        type: 'Lifecycle'
        definition: {
          filters: {
            blobTypes: ['blockBlob']
            prefixMatch: ['${jobContainer}/']
          }
          actions: {
            baseBlob: {
              delete: { daysAfterModificationGreaterThan: (httpJobRetentionHours + 23) / 24 }
            }
          }
        }
      }
    ]
    // The host creates a poison queue when it first needs one; made here so it can be watched from day one.
    queueServices: {
      queues: [
        { name: queueRequestQueue }
        { name: '${queueRequestQueue}-poison' }
        { name: queueReplyQueue }
        { name: jobQueue }
        { name: '${jobQueue}-poison' }
      ]
    }
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'loganalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'appinsights'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    requestQueue: requestQueue
    replyQueue: replyQueue
  }
}

module managedRedis 'app/redis.bicep' = if (redisService == 'managed') {
  name: 'redis'
  scope: rg
  params: {
    name: '${abbrs.cacheRedisEnterprise}${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    skuName: managedRedisSku
  }
}

module cacheRedis 'app/redis-cache.bicep' = if (redisService == 'cache') {
  name: 'redis-cache'
  scope: rg
  params: {
    name: '${abbrs.cacheRedis}${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    skuName: redisSku
  }
}

// Either service: TLS, the identity as user (its access policy assignment) and its token as password.
var redisHostName = redisService == 'managed' ? managedRedis!.outputs.hostName : cacheRedis!.outputs.hostName
var redisPort = redisService == 'managed' ? managedRedis!.outputs.port : cacheRedis!.outputs.port

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    applicationInsightsName: monitoring.outputs.name
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

// Settings every app reads (README "Configuration"). Redis: Entra ID, the identity's object id as user name
// (its access policy assignment) and its token as password, refreshed before expiry (@redis/entraid). The
// same settings reach Azure Managed Redis (port 10000) and Azure Cache for Redis (6380).
var sharedSettings = {
  REDIS_URL: 'rediss://${redisHostName}:${redisPort}'
  REDIS_USERNAME: identity.outputs.principalId
  REDIS_CREDENTIAL: 'managedidentity'
  REDIS_CLIENT_ID: identity.outputs.clientId
  LOG_LEVEL: 'info'
  // The Functions host starts the Node worker with these. V8 lets a heap grow to up to 4x what its last
  // collection kept before collecting again; 1.3x held a mnist-only app's peak under cache misses at
  // ~210 MiB instead of ~300-450 MiB, with no loss of throughput (docs/decisions.md, issue 28).
  languageWorkers__node__arguments: '--heap-growing-percent=30'
}

// With modelsInBlob, every app copies the `models` container with the identity (AzureWebJobsStorage__*,
// Storage Blob Data Owner) and reads it again every MODEL_POLL_INTERVAL_S (15 s); an Event Grid event of the
// container makes the HTTP instance it reaches read it at once. Without it, the package's models/ (the default).
// MODELS only when chosen: unset, an app serves every model of its repository.
var modelsChosen = !empty(models)
var modelSelection = modelsChosen ? {
  MODELS: models
} : {}

var modelSettings = modelsInBlob ? {
  MODEL_REPOSITORY: 'blob:${modelContainer}'
  MODEL_CONTROL_MODE: 'poll'
} : {}

var appSettings = {
  'score-http': {
    // Callers send a function key; the health probes and the playground's pages stay anonymous (functions.ts).
    HTTP_AUTH_LEVEL: 'function'
    // Jobs use AzureWebJobsStorage (the identity: Storage Blob Data Owner, Storage Queue Data Contributor).
    HTTP_JOB_QUEUE: jobQueue
    HTTP_JOB_CONTAINER: jobContainer
    HTTP_JOB_RETENTION_HOURS: string(httpJobRetentionHours)
    // Documents of more pages are answered 202 with a status URL (the OCR model's default, said here).
    OCR_ASYNC_PAGES: '10'
  }
  'score-blob': {
    BLOB_INPUT_CONTAINER: inputContainer
    BLOB_OUTPUT_CONTAINER: outputContainer
    // Flex Consumption runs only the Event Grid blob trigger (the default, said here so no one flips it).
    BLOB_TRIGGER_SOURCE: 'EventGrid'
  }
  'score-servicebus': {
    ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    ServiceBusConnection__credential: 'managedidentity'
    ServiceBusConnection__clientId: identity.outputs.clientId
    SERVICEBUS_REQUEST_QUEUE: requestQueue
    SERVICEBUS_REPLY_QUEUE: replyQueue
    // Answers over the reply queue's max message size; AzureWebJobsStorage (the identity, Storage Blob Data Owner).
    SERVICEBUS_ANSWER_CONTAINER: serviceBusAnswerContainer
  }
  // The trigger and the replies use AzureWebJobsStorage (the identity, Storage Queue Data Contributor).
  'score-queue': {
    QUEUE_REQUEST_QUEUE: queueRequestQueue
    QUEUE_REPLY_QUEUE: queueReplyQueue
    QUEUE_ANSWER_CONTAINER: queueAnswerContainer
  }
}

module apps 'app/function-app.bicep' = [
  for (service, i) in services: {
    name: service
    scope: rg
    dependsOn: [rbac]
    params: {
      name: '${abbrs.webSitesFunctions}${service}-${resourceToken}'
      planName: '${abbrs.webServerFarms}${service}-${resourceToken}'
      location: location
      tags: tags
      serviceName: service
      storageAccountName: storage.outputs.name
      deploymentStorageContainerName: packageContainers[i]
      applicationInsightsName: monitoring.outputs.name
      identityId: identity.outputs.resourceId
      identityClientId: identity.outputs.clientId
      runtimeVersion: nodeVersion
      // Only the HTTP app has an HTTP scale group; the others keep Flex's defaults.
      alwaysReadyHttpInstances: service == 'score-http' ? httpAlwaysReadyInstances : 0
      httpPerInstanceConcurrency: httpPerInstanceConcurrency
      instanceMemoryMB: instanceMemoryMB
      appSettings: union(sharedSettings, modelSettings, modelSelection, appSettings[service])
    }
  }
]

// Blob events of the storage account. The subscription to the blob app's webhook is made after deploy
// (infra/hooks/blob-subscription.sh): it needs the blobs_extension key, which exists only once the
// deployed app has started its blob trigger, as in Microsoft's Event Grid blob trigger template. The hook
// gives it the dead-letter container (deadLetterContainer) too, written by Event Grid's own identity.
module systemTopic 'br/public:avm/res/event-grid/system-topic:0.6.1' = {
  name: 'blob-events'
  scope: rg
  params: {
    name: '${abbrs.eventGridSystemTopics}${resourceToken}'
    location: location
    tags: tags
    source: storage.outputs.resourceId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId
output BLOB_INPUT_CONTAINER string = inputContainer
output BLOB_OUTPUT_CONTAINER string = outputContainer
output EVENT_GRID_SYSTEM_TOPIC_NAME string = systemTopic.outputs.name
output EVENT_GRID_DEADLETTER_CONTAINER string = deadLetterContainer
// Empty without modelsInBlob: the postdeploy hook subscribes the HTTP app to the models container only with it.
output MODEL_CONTAINER string = modelsInBlob ? modelContainer : ''
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICEBUS_REQUEST_QUEUE string = requestQueue
output SERVICEBUS_REPLY_QUEUE string = replyQueue
output SERVICEBUS_ANSWER_CONTAINER string = serviceBusAnswerContainer
output QUEUE_REQUEST_QUEUE string = queueRequestQueue
output QUEUE_REPLY_QUEUE string = queueReplyQueue
output QUEUE_ANSWER_CONTAINER string = queueAnswerContainer
output HTTP_JOB_QUEUE string = jobQueue
output HTTP_JOB_CONTAINER string = jobContainer
output REDIS_SERVICE string = redisService
output REDIS_HOST_NAME string = redisHostName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output SERVICE_SCORE_HTTP_NAME string = apps[0].outputs.name
output SERVICE_SCORE_HTTP_URI string = apps[0].outputs.uri
output SERVICE_SCORE_BLOB_NAME string = apps[1].outputs.name
output SERVICE_SCORE_BLOB_URI string = apps[1].outputs.uri
output SERVICE_SCORE_SERVICEBUS_NAME string = apps[2].outputs.name
output SERVICE_SCORE_SERVICEBUS_URI string = apps[2].outputs.uri
output SERVICE_SCORE_QUEUE_NAME string = apps[3].outputs.name
output SERVICE_SCORE_QUEUE_URI string = apps[3].outputs.uri
