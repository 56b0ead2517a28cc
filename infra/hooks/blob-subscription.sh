#!/bin/sh
# azd postdeploy hook: subscribes the blob app's Event Grid webhook to BlobCreated events of the `images`
# container. Done after deploy, as in Microsoft's Event Grid blob trigger template: the blobs_extension key
# exists only once the deployed app has started its blob trigger, and Event Grid validates the endpoint.
# Keep in step with blob-subscription.ps1.
set -eu
eval "$(azd env get-values)"

# A freshly deployed Flex app starts its host (and creates the key) some time after the deploy returns, so
# the lookup is retried: 10 tries, 5 s doubling to at most 60 s between them (about 6 minutes in all).
tries=10
delay=5
attempt=1
key=''
while :; do
  key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$SERVICE_SCORE_BLOB_NAME" \
    --query systemKeys.blobs_extension -o tsv 2>/dev/null || true)
  if [ -n "$key" ]; then break; fi
  if [ "$attempt" -ge "$tries" ]; then
    echo "no blobs_extension key on $SERVICE_SCORE_BLOB_NAME after $tries tries: the blob trigger has not started (see README)" >&2
    exit 1
  fi
  echo "no blobs_extension key on $SERVICE_SCORE_BLOB_NAME yet (try $attempt of $tries), next in ${delay}s" >&2
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2))
  if [ "$delay" -gt 60 ]; then delay=60; fi
done

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
