#!/bin/sh
# azd postdeploy hook: subscribes the blob app's Event Grid webhook to BlobCreated events of the `images`
# container. Done after deploy, as in Microsoft's Event Grid blob trigger template: the blobs_extension key
# exists only once the deployed app has started its blob trigger, and Event Grid validates the endpoint.
set -eu
eval "$(azd env get-values)"
key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$SERVICE_SCORE_BLOB_NAME" \
  --query systemKeys.blobs_extension -o tsv)
if [ -z "$key" ]; then
  echo "no blobs_extension key on $SERVICE_SCORE_BLOB_NAME yet: the blob trigger has not started (see README)" >&2
  exit 1
fi
az eventgrid system-topic event-subscription create -g "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$EVENT_GRID_SYSTEM_TOPIC_NAME" -n score-blob-images \
  --endpoint-type webhook \
  --endpoint "$SERVICE_SCORE_BLOB_URI/runtime/webhooks/blobs?functionName=Host.Functions.scoreBlob&code=$key" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$BLOB_INPUT_CONTAINER/"
echo "Event Grid: BlobCreated in $BLOB_INPUT_CONTAINER -> $SERVICE_SCORE_BLOB_NAME"
