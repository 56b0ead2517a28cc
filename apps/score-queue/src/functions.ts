import { fileURLToPath } from 'node:url';
import { observeInvocation, type StorageQueueFunctionDefinition } from '@modelfn/functions';
import { sharedScorer, type Scorer } from '@modelfn/scoring';
import { replyQueues } from './reply-queue.js';
import type { ReplyRoute } from './replies.js';
import { scoreMessageHandler } from './score-message.js';
import { queueSettings } from './settings.js';
import { storageAccess } from './storage-access.js';

export type { StorageQueueFunctionDefinition };

export interface QueueAppOptions {
  /** Default: the process-wide scorer (settings from the environment). */
  scorer?: () => Promise<Scorer>;
  /** Defaults: QUEUE_REQUEST_QUEUE, QUEUE_REPLY_QUEUE, QUEUE_ANSWER_CONTAINER. */
  requestQueue?: string;
  replyQueue?: string;
  answerContainer?: string;
  /** Replies longer than this (base64 text) go to a blob. Default: the queue limit, 64 KiB. */
  maxMessageBytes?: number;
}

/** The app's functions, defined once: main.ts registers them with Azure, the local host mounts them. */
export function createQueueFunctions(opts: QueueAppOptions = {}): StorageQueueFunctionDefinition[] {
  // Built at the first reply: registering the function must not need the storage settings.
  let route: ReplyRoute | undefined;
  const replyRoute = (): ReplyRoute => {
    if (route) return route;
    const queues = replyQueues();
    route = {
      replyQueue: opts.replyQueue ?? queueSettings.replyQueue,
      answerContainer: opts.answerContainer ?? queueSettings.answerContainer,
      maxMessageBytes: opts.maxMessageBytes,
      send: (queue, text) => queues.send(queue, text),
      blobService: () => storageAccess().blobService,
    };
    return route;
  };
  return [
    {
      name: 'scoreQueueMessage',
      options: {
        queueName: opts.requestQueue ?? queueSettings.requestQueue,
        connection: queueSettings.connectionSetting,
        handler: observeInvocation('queue', scoreMessageHandler(opts.scorer ?? sharedScorer, replyRoute)),
      },
    },
  ];
}

export const queueFunctions: StorageQueueFunctionDefinition[] = createQueueFunctions();

/** This app's host.json (batch size, visibility timeout, maxDequeueCount), for hosts that run it outside Azure. */
export const hostJsonPath = fileURLToPath(new URL('../host.json', import.meta.url));
