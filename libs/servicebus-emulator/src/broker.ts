// Wires rhea's server events to the emulator: decides what each attaching link is (CBS, management,
// send to a queue, receive from a queue or its dead-letter queue) and cleans up when clients go away.
import type {
  AmqpConnection,
  AmqpContainer,
  AmqpLink,
  AmqpReceiver,
  AmqpSender,
  AmqpSession,
} from './amqp.js';
import { CBS_NODE, entityPath, parseAddress, type NodeAddress, type SubQueue } from './address.js';
import { handleCbsRequest } from './cbs.js';
import type { CbsTokenValidation } from './cbs-token.js';
import { LinkConsumer } from './consumer.js';
import { amqpError, Condition, describeError } from './errors.js';
import type { QueueJournal, Restored } from './journal.js';
import { handleManagementRequest } from './management.js';
import { acceptMessages } from './producer.js';
import { MessageEntity, type EntitySettings, type StoredMessage } from './queue.js';
import { ReplyLinks, serveRequests } from './request-response.js';
import { plainRecord } from './values.js';

/**
 * Service Bus Standard tier's limit, the default of every queue; the SDK sizes message batches from what the
 * broker advertises on a send link (the queue's own limit there).
 */
export const MAX_MESSAGE_SIZE = 256 * 1024;

const SESSION_FILTER = 'com.microsoft:session-filter';

export interface QueuePair {
  readonly name: string;
  readonly active: MessageEntity;
  readonly deadLetter: MessageEntity;
}

export class Broker {
  private readonly queues = new Map<string, QueuePair>();
  private readonly consumers = new Set<LinkConsumer>();
  private readonly connections = new Set<AmqpConnection>();
  private readonly replies = new ReplyLinks();
  /** Entra ID tokens put on $cbs are checked against this when set (cbs-token.ts). */
  cbsTokens: CbsTokenValidation | undefined;

  constructor(
    queues: Record<string, EntitySettings>,
    private readonly log: (msg: string) => void,
    /** Set when the queues are durable: sends are accepted once their messages are synced to it. */
    readonly journal?: QueueJournal,
  ) {
    for (const [name, settings] of Object.entries(queues)) {
      // The dead-letter queue never dead-letters further, whatever the delivery count.
      const deadLetter = new MessageEntity(
        entityPath(name, 'deadLetter'),
        { ...settings, maxDeliveryCount: Number.POSITIVE_INFINITY },
        undefined,
        log,
        journal,
      );
      const active = new MessageEntity(name, settings, deadLetter, log, journal);
      this.queues.set(name.toLowerCase(), { name, active, deadLetter });
    }
  }

  /** Puts back what the journal held; messages of queues no longer configured are reported and dropped. */
  restore(restored: Restored): void {
    const entities = new Map<string, MessageEntity>();
    for (const { active, deadLetter } of this.queues.values()) {
      entities.set(active.path, active);
      entities.set(deadLetter.path, deadLetter);
    }
    for (const [path, messages] of restored) {
      const entity = entities.get(path);
      if (!entity) {
        this.log(`dropping ${messages.length} stored message(s) of '${path}', which is no longer configured`);
        continue;
      }
      entity.restore(messages, 0);
    }
    // Sequence numbers stay unique across a queue and its dead-letter queue, which keeps the old numbers.
    for (const { active, deadLetter } of this.queues.values()) {
      active.restore([], Math.max(active.maxSequenceNumber(), deadLetter.maxSequenceNumber()) + 1);
    }
  }

  /** Every stored message with its entity path, for the journal's compaction. */
  *storedMessages(): Iterable<[string, StoredMessage]> {
    for (const { active, deadLetter } of this.queues.values()) {
      for (const m of active.messages()) yield [active.path, m];
      for (const m of deadLetter.messages()) yield [deadLetter.path, m];
    }
  }

  storedCount(): number {
    let n = 0;
    for (const { active, deadLetter } of this.queues.values())
      n += active.messages().length + deadLetter.messages().length;
    return n;
  }

  queue(name: string): QueuePair | undefined {
    return this.queues.get(name.toLowerCase());
  }

  attach(container: AmqpContainer): void {
    // The SDK offers ANONYMOUS; PLAIN is accepted for other clients. Credentials are not checked.
    container.sasl_server_mechanisms.enable_anonymous();
    container.sasl_server_mechanisms.enable_plain(() => true);

    container.on('connection_open', (ctx) => {
      this.connections.add(ctx.connection);
      this.log(`connection opened (container ${ctx.connection.container_id ?? '?'})`);
    });
    container.on(
      'sender_open',
      (ctx) => ctx.sender && this.guard(ctx.sender, () => this.onSenderOpen(ctx.sender as AmqpSender)),
    );
    container.on(
      'receiver_open',
      (ctx) =>
        ctx.receiver && this.guard(ctx.receiver, () => this.onReceiverOpen(ctx.receiver as AmqpReceiver)),
    );
    container.on('session_close', (ctx) => ctx.session && this.dropSession(ctx.session));
    container.on('connection_close', (ctx) => this.dropConnection(ctx.connection));
    container.on('disconnected', (ctx) => this.dropConnection(ctx.connection));
    // Without a listener rhea rethrows link and connection errors on the container and crashes the host.
    container.on('error', (err: unknown) => this.log(`AMQP error: ${describeError(err)}`));
  }

  /** Closes every client connection (they see amqp:connection:forced) and stops all lock timers. */
  close(): void {
    for (const connection of this.connections) {
      if (!connection.is_closed()) {
        connection.close(amqpError(Condition.connectionForced, 'The Service Bus emulator is shutting down.'));
      }
    }
    for (const consumer of [...this.consumers]) consumer.close();
    for (const { active, deadLetter } of this.queues.values()) {
      active.close();
      deadLetter.close();
    }
  }

  private onSenderOpen(sender: AmqpSender): void {
    const address = sender.source?.address;
    const node = parseAddress(address);
    if (node.kind === 'cbs') {
      acceptLink(sender);
      this.replies.add(sender, CBS_NODE);
      return;
    }
    const entity = this.resolve(node, address);
    if (typeof entity === 'string') return refuse(sender, Condition.notFound, entity);
    if (node.kind === 'management') {
      acceptLink(sender);
      this.replies.add(sender, address ?? '');
      return;
    }
    const filter = plainRecord(sender.source?.filter);
    if (filter && SESSION_FILTER in filter) {
      return refuse(
        sender,
        Condition.notImplemented,
        'Sessions are not supported by the Service Bus emulator.',
      );
    }
    acceptLink(sender);
    const consumer = new LinkConsumer(
      sender,
      entity,
      this.log,
      () => this.consumers.delete(consumer),
      this.journal,
    );
    this.consumers.add(consumer);
    this.log(`attached ${consumer.description}`);
    consumer.start();
  }

  private onReceiverOpen(receiver: AmqpReceiver): void {
    const address = receiver.target?.address;
    const node = parseAddress(address);
    if (node.kind === 'cbs') {
      acceptLink(receiver);
      serveRequests(
        receiver,
        CBS_NODE,
        'cbs',
        (req) => handleCbsRequest(req, (a) => this.checkAudience(a), this.cbsTokens),
        this.replies,
        this.log,
      );
      return;
    }
    const entity = this.resolve(node, address);
    if (typeof entity === 'string') return refuse(receiver, Condition.notFound, entity);
    if (node.kind === 'management') {
      acceptLink(receiver);
      serveRequests(
        receiver,
        address ?? '',
        'management',
        (req) => handleManagementRequest(entity, req),
        this.replies,
        this.log,
      );
      return;
    }
    if (node.kind === 'entity' && node.subQueue === 'deadLetter') {
      return refuse(
        receiver,
        Condition.notAllowed,
        `Messages cannot be sent to a dead-letter queue ('${entity.path}').`,
      );
    }
    acceptLink(receiver, entity.maxMessageSizeBytes);
    acceptMessages(receiver, entity, this.log, this.journal);
    this.log(`attached sender '${receiver.name}' to ${entity.path}`);
  }

  /** The entity a link or management node addresses, or a description of why there is none. */
  private resolve(node: NodeAddress, address: string | undefined): MessageEntity | string {
    if (node.kind === 'invalid') return `Cannot attach to '${address ?? ''}': ${node.reason}.`;
    if (node.kind === 'cbs') return `'${CBS_NODE}' is not a queue.`;
    const pair = this.queue(node.queue);
    if (!pair) return this.unknownQueue(node.queue);
    return pickSubQueue(pair, node.subQueue);
  }

  /** Worded like Service Bus's own message, which is what the SDK matches to report MessagingEntityNotFound. */
  private unknownQueue(queue: string): string {
    const known = [...this.queues.values()].map((q) => q.name).join(', ') || '(none)';
    return (
      `The messaging entity '${queue}' could not be found: the Service Bus emulator has no such queue ` +
      `(configured: ${known}). Add it to the emulator's queues option, or pass --queue ${queue} to the CLI.`
    );
  }

  private checkAudience(audience: string): string | undefined {
    const node = parseAddress(audience);
    // A namespace-wide audience (sb://host:port/) is fine: the entity is checked when the link attaches.
    if (node.kind === 'invalid' && /^[a-z]+:\/\/[^/]*\/?$/i.test(audience)) return undefined;
    const entity = this.resolve(node, audience);
    return typeof entity === 'string' ? entity : undefined;
  }

  private dropSession(session: AmqpSession): void {
    for (const consumer of [...this.consumers]) if (consumer.session === session) consumer.close();
  }

  private dropConnection(connection: AmqpConnection): void {
    if (!this.connections.delete(connection)) return;
    for (const consumer of [...this.consumers]) if (consumer.connection === connection) consumer.close();
    this.replies.removeConnection(connection);
    this.log('connection closed');
  }

  /** A bug in one link's handling must not take the whole emulator (and every other client) down. */
  private guard(link: AmqpLink, attach: () => void): void {
    try {
      attach();
    } catch (err) {
      this.log(`failed to attach link '${link.name}': ${describeError(err)}`);
      refuse(link, Condition.internalError, `The emulator failed to attach this link: ${describeError(err)}`);
    }
  }
}

function pickSubQueue(pair: QueuePair, subQueue: SubQueue): MessageEntity {
  return subQueue === 'deadLetter' ? pair.deadLetter : pair.active;
}

/** Echoes the client's terminus and settle modes, which is how an AMQP peer says "attached as asked". */
function acceptLink(link: AmqpLink, maxMessageSize = MAX_MESSAGE_SIZE): void {
  link.set_source({ address: link.source?.address });
  link.set_target({ address: link.target?.address });
  if (link.snd_settle_mode !== undefined) link.local.attach.snd_settle_mode = link.snd_settle_mode;
  if (link.rcv_settle_mode !== undefined) link.local.attach.rcv_settle_mode = link.rcv_settle_mode;
  link.local.attach.max_message_size = maxMessageSize;
}

/** Attach without a terminus, then detach with the error: the AMQP way to decline a link. */
function refuse(link: AmqpLink, condition: string, description: string): void {
  link.close(amqpError(condition, description));
}
