# azd postdeploy hook (Windows): the same as blob-subscription.sh; keep the two in step.
$ErrorActionPreference = 'Stop'
azd env get-values | ForEach-Object {
  $name, $value = $_ -split '=', 2
  Set-Item -Path "env:$name" -Value $value.Trim('"')
}

# The key $KeyName (systemKeys.<name> or functionKeys.<name>) of app $App. A freshly deployed Flex app starts its host (and creates the key) some
# time after the deploy returns, so the lookup is retried: 10 tries, 5 s doubling to at most 60 s between
# them (about 6 minutes in all).
function Get-HostKey([string]$App, [string]$KeyName) {
  $tries = 10
  $delay = 5
  $key = ''
  for ($attempt = 1; ; $attempt++) {
    # A failed lookup (the host still starting) is retried like a missing key, so it must not stop the script.
    $ErrorActionPreference = 'Continue'
    $key = az functionapp keys list -g $env:AZURE_RESOURCE_GROUP -n $App `
      --query $KeyName -o tsv 2>$null
    $ErrorActionPreference = 'Stop'
    if ($key) { return $key }
    if ($attempt -ge $tries) {
      throw "no $KeyName key on $App after $tries tries: its host or trigger has not started (see README)"
    }
    Write-Warning "no $KeyName key on $App yet (try $attempt of $tries), next in ${delay}s"
    Start-Sleep -Seconds $delay
    $delay = [Math]::Min($delay * 2, 60)
  }
}

$key = Get-HostKey $env:SERVICE_SCORE_BLOB_NAME 'systemKeys.blobs_extension'

# `create` is a PUT (create or update): re-running azd up or deploy updates the subscription in place, with
# the current key. Events Event Grid gives up on (after its retries) are written to the dead-letter
# container by Event Grid's own identity, as Event Grid does without a topic identity.
az eventgrid system-topic event-subscription create -g $env:AZURE_RESOURCE_GROUP `
  --system-topic-name $env:EVENT_GRID_SYSTEM_TOPIC_NAME -n score-blob-images `
  --endpoint-type webhook `
  --endpoint "$($env:SERVICE_SCORE_BLOB_URI)/runtime/webhooks/blobs?functionName=Host.Functions.scoreBlob&code=$key" `
  --included-event-types Microsoft.Storage.BlobCreated `
  --subject-begins-with "/blobServices/default/containers/$($env:BLOB_INPUT_CONTAINER)/" `
  --deadletter-endpoint "$($env:AZURE_STORAGE_ACCOUNT_ID)/blobServices/default/containers/$($env:EVENT_GRID_DEADLETTER_CONTAINER)"
# A native command's exit code does not stop the script by itself.
if (-not $?) { throw 'az eventgrid system-topic event-subscription create failed' }
Write-Output "Event Grid: BlobCreated in $($env:BLOB_INPUT_CONTAINER) -> $($env:SERVICE_SCORE_BLOB_NAME) (dead letters: $($env:EVENT_GRID_DEADLETTER_CONTAINER))"

# MODELS_IN_BLOB: the HTTP app's /repository/events gets the models container's changes, so the HTTP instance
# a delivery reaches reads the repository at once (the others, and the other apps, at their next poll). A
# poke is worth something only while it is early: 3 attempts within 10 minutes, nothing dead-lettered (the
# polls catch up). The route takes a function key, as every keyed route of the app (HTTP_AUTH_LEVEL).
if ($env:MODEL_CONTAINER) {
  $key = Get-HostKey $env:SERVICE_SCORE_HTTP_NAME 'functionKeys.default'
  az eventgrid system-topic event-subscription create -g $env:AZURE_RESOURCE_GROUP `
    --system-topic-name $env:EVENT_GRID_SYSTEM_TOPIC_NAME -n score-http-models `
    --endpoint-type webhook `
    --endpoint "$($env:SERVICE_SCORE_HTTP_URI)/repository/events?code=$key" `
    --included-event-types Microsoft.Storage.BlobCreated Microsoft.Storage.BlobDeleted `
    --subject-begins-with "/blobServices/default/containers/$($env:MODEL_CONTAINER)/" `
    --max-delivery-attempts 3 --event-ttl 10
  if (-not $?) { throw 'az eventgrid system-topic event-subscription create failed' }
  Write-Output "Event Grid: blobs created or deleted in $($env:MODEL_CONTAINER) -> $($env:SERVICE_SCORE_HTTP_NAME)/repository/events"
}
