#!/bin/sh
# azd postdeploy hook: subscribes the blob app's Event Grid webhook to BlobCreated events of the `images`
# container, and with MODELS_IN_BLOB the HTTP app's /repository/events to the `models` container's events.
# Done after deploy, as in Microsoft's Event Grid blob trigger template: a key exists only once the deployed
# app has started its host, and Event Grid validates the endpoint.
# Keep in step with blob-subscription.ps1.
set -eu
eval "$(azd env get-values)"

# The key $2 (systemKeys.<name> or functionKeys.<name>) of app $1. A freshly deployed Flex app starts its
# host (and creates the key) some time after the deploy returns, so the lookup is retried: 10 tries, 5 s
# doubling to at most 60 s between them (about 6 minutes in all).
host_key() {
  tries=10
  delay=5
  attempt=1
  key=''
  while :; do
    key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$1" \
      --query "$2" -o tsv 2>/dev/null || true)
    if [ -n "$key" ]; then break; fi
    if [ "$attempt" -ge "$tries" ]; then
      echo "no $2 key on $1 after $tries tries: its host or trigger has not started (see README)" >&2
      exit 1
    fi
    echo "no $2 key on $1 yet (try $attempt of $tries), next in ${delay}s" >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
    if [ "$delay" -gt 60 ]; then delay=60; fi
  done
}

host_key "$SERVICE_SCORE_BLOB_NAME" systemKeys.blobs_extension

# `create` is a PUT (create or update): re-running azd up or deploy updates the subscription in place, with
# the current key. Events Event Grid gives up on (after its retries) are written to the dead-letter
# container by Event Grid's own identity, as Event Grid does without a topic identity.
az eventgrid system-topic event-subscription create -g "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$EVENT_GRID_SYSTEM_TOPIC_NAME" -n score-blob-images \
  --endpoint-type webhook \
  --endpoint "$SERVICE_SCORE_BLOB_URI/runtime/webhooks/blobs?functionName=Host.Functions.scoreBlob&code=$key" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$BLOB_INPUT_CONTAINER/" \
  --deadletter-endpoint "$AZURE_STORAGE_ACCOUNT_ID/blobServices/default/containers/$EVENT_GRID_DEADLETTER_CONTAINER"
echo "Event Grid: BlobCreated in $BLOB_INPUT_CONTAINER -> $SERVICE_SCORE_BLOB_NAME (dead letters: $EVENT_GRID_DEADLETTER_CONTAINER)"

# MODELS_IN_BLOB: the HTTP app's /repository/events gets the models container's changes, so the HTTP instance
# a delivery reaches reads the repository at once (the others, and the other apps, at their next poll). A
# poke is worth something only while it is early: 3 attempts within 10 minutes, nothing dead-lettered (the
# polls catch up). The route takes a function key, as every keyed route of the app (HTTP_AUTH_LEVEL).
if [ -n "${MODEL_CONTAINER:-}" ]; then
  host_key "$SERVICE_SCORE_HTTP_NAME" functionKeys.default
  az eventgrid system-topic event-subscription create -g "$AZURE_RESOURCE_GROUP" \
    --system-topic-name "$EVENT_GRID_SYSTEM_TOPIC_NAME" -n score-http-models \
    --endpoint-type webhook \
    --endpoint "$SERVICE_SCORE_HTTP_URI/repository/events?code=$key" \
    --included-event-types Microsoft.Storage.BlobCreated Microsoft.Storage.BlobDeleted \
    --subject-begins-with "/blobServices/default/containers/$MODEL_CONTAINER/" \
    --max-delivery-attempts 3 --event-ttl 10
  echo "Event Grid: blobs created or deleted in $MODEL_CONTAINER -> $SERVICE_SCORE_HTTP_NAME/repository/events"
fi
