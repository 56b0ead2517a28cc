# azd postdeploy hook (Windows): the same as blob-subscription.sh.
$ErrorActionPreference = 'Stop'
azd env get-values | ForEach-Object {
  $name, $value = $_ -split '=', 2
  Set-Item -Path "env:$name" -Value $value.Trim('"')
}
$key = az functionapp keys list -g $env:AZURE_RESOURCE_GROUP -n $env:SERVICE_SCORE_BLOB_NAME `
  --query systemKeys.blobs_extension -o tsv
if (-not $key) { throw "no blobs_extension key on $env:SERVICE_SCORE_BLOB_NAME yet: the blob trigger has not started (see README)" }
az eventgrid system-topic event-subscription create -g $env:AZURE_RESOURCE_GROUP `
  --system-topic-name $env:EVENT_GRID_SYSTEM_TOPIC_NAME -n score-blob-images `
  --endpoint-type webhook `
  --endpoint "$($env:SERVICE_SCORE_BLOB_URI)/runtime/webhooks/blobs?functionName=Host.Functions.scoreBlob&code=$key" `
  --included-event-types Microsoft.Storage.BlobCreated `
  --subject-begins-with "/blobServices/default/containers/$($env:BLOB_INPUT_CONTAINER)/"
