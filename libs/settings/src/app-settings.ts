import { textSetting, type Env } from './read-setting.js';

/**
 * Settings read by more than one project (an app and the local host, an app and the dev tools), declared
 * once here so their names and defaults cannot drift apart.
 */
export function blobAppSettings(env: Env = process.env) {
  return {
    /** The app setting that holds the storage connection string (the Functions host's own). */
    connectionSetting: 'AzureWebJobsStorage',
    inputContainer: textSetting(env, 'BLOB_INPUT_CONTAINER', 'images'),
    outputContainer: textSetting(env, 'BLOB_OUTPUT_CONTAINER', 'predictions'),
  };
}

export function serviceBusAppSettings(env: Env = process.env) {
  return {
    /** The app setting that holds the Service Bus connection string. */
    connectionSetting: 'ServiceBusConnection',
    requestQueue: textSetting(env, 'SERVICEBUS_REQUEST_QUEUE', 'scoring-requests'),
    replyQueue: textSetting(env, 'SERVICEBUS_REPLY_QUEUE', 'scoring-replies'),
    /**
     * Answers too large for a message on the reply queue (its max message size) are written here, in
     * AzureWebJobsStorage, and the reply names the blob.
     */
    answerContainer: textSetting(env, 'SERVICEBUS_ANSWER_CONTAINER', 'servicebus-answers'),
  };
}

export function queueAppSettings(env: Env = process.env) {
  return {
    /** The app setting that holds the storage account of the queues (the Functions host's own). */
    connectionSetting: 'AzureWebJobsStorage',
    requestQueue: textSetting(env, 'QUEUE_REQUEST_QUEUE', 'scoring-queue-requests'),
    replyQueue: textSetting(env, 'QUEUE_REPLY_QUEUE', 'scoring-queue-replies'),
    /** Answers too large for a queue message (64 KiB) are written here and the reply names the blob. */
    answerContainer: textSetting(env, 'QUEUE_ANSWER_CONTAINER', 'queue-answers'),
  };
}
