// Service Bus request/response nodes ($cbs, <entity>/$management): the client sends requests on one
// link and receives replies on a second link it attached from the same node, correlated by message-id.
import type { AmqpConnection, AmqpError, AmqpMessage, AmqpReceiver, AmqpSender } from './amqp.js';
import { describeError, StatusCode } from './errors.js';

export interface Reply {
  statusCode: number;
  statusDescription: string;
  errorCondition?: string;
  body?: unknown;
}

export type RequestHandler = (request: AmqpMessage) => Reply;

/**
 * Service Bus spells the status properties differently per node: `status-code` on $cbs (read that
 * way by core-amqp's CbsClient), `statusCode` on $management (read that way by the SDK's peek).
 */
export type StatusStyle = 'cbs' | 'management';

const STATUS_KEYS = {
  cbs: { code: 'status-code', description: 'status-description', condition: 'error-condition' },
  management: { code: 'statusCode', description: 'statusDescription', condition: 'errorCondition' },
} as const;

export function ok(body?: unknown, statusCode = 200): Reply {
  return { statusCode, statusDescription: statusCode === 204 ? 'No Content' : 'OK', body };
}

export function failure(error: AmqpError): Reply {
  return {
    statusCode: StatusCode[error.condition] ?? 500,
    statusDescription: error.description ?? error.condition,
    errorCondition: error.condition,
  };
}

/** Links the broker sends replies on, found by connection, node and the request's reply-to address. */
export class ReplyLinks {
  private readonly links = new Map<AmqpSender, string>();

  add(sender: AmqpSender, node: string): void {
    // Replies are fire-and-forget for the broker; sending them settled keeps rhea from tracking them.
    sender.local.attach.snd_settle_mode = 1;
    this.links.set(sender, node.toLowerCase());
    sender.on('sender_close', () => this.links.delete(sender));
  }

  removeConnection(connection: AmqpConnection): void {
    for (const sender of this.links.keys()) if (sender.connection === connection) this.links.delete(sender);
  }

  /**
   * The SDK names its reply link (and, for $management, its target address) after the request's
   * reply-to; a client that uses neither still gets the reply if it has only one link on the node.
   */
  find(connection: AmqpConnection, node: string, replyTo: string | undefined): AmqpSender | undefined {
    const candidates = [...this.links]
      .filter(([s, n]) => s.connection === connection && n === node.toLowerCase() && s.is_open())
      .map(([s]) => s);
    return (
      candidates.find(
        (s) => replyTo !== undefined && (s.target?.address === replyTo || s.name === replyTo),
      ) ?? (candidates.length === 1 ? candidates[0] : undefined)
    );
  }
}

/** Serves requests arriving on `receiver`; every request gets a reply, errors included, so none hangs. */
export function serveRequests(
  receiver: AmqpReceiver,
  node: string,
  style: StatusStyle,
  handler: RequestHandler,
  replies: ReplyLinks,
  log: (msg: string) => void,
): void {
  const keys = STATUS_KEYS[style];
  receiver.on('message', (ctx) => {
    ctx.delivery?.accept();
    const request = ctx.message;
    if (!request || Buffer.isBuffer(request)) {
      log(`${node}: ignored a request that was not a standard AMQP message`);
      return;
    }
    let reply: Reply;
    try {
      reply = handler(request);
    } catch (err) {
      reply = failure({
        condition: 'amqp:internal-error',
        description: `The emulator failed: ${describeError(err)}`,
      });
    }
    const replyTo = request.reply_to;
    const link = replies.find(ctx.connection, node, replyTo);
    if (!link) {
      log(`${node}: no reply link for reply-to '${replyTo ?? ''}'; attach a receiver from '${node}' first`);
      return;
    }
    if (reply.statusCode >= 300) log(`${node}: ${reply.statusCode} ${reply.statusDescription}`);
    const properties: Record<string, unknown> = {
      [keys.code]: reply.statusCode,
      [keys.description]: reply.statusDescription,
    };
    if (reply.errorCondition) properties[keys.condition] = reply.errorCondition;
    link.send({
      correlation_id: request.message_id,
      to: replyTo,
      application_properties: properties,
      body: reply.body,
    });
  });
}
