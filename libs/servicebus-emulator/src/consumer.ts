// The broker's side of a receive link: turns link credit into deliveries from a MessageEntity and the
// client's dispositions into complete / abandon / dead-letter.
import {
  plainOutcome,
  rejectedOutcome,
  settleAndForget,
  wrapLong,
  wrapTimestamp,
  wrapUuid,
  type AmqpConnection,
  type AmqpError,
  type AmqpSender,
  type AmqpSession,
  type AmqpTyped,
  type Delivery,
  type DeliveryState,
  type EventContext,
  type OutcomeKind,
} from './amqp.js';
import { encodeForDelivery } from './codec.js';
import { amqpError, Condition } from './errors.js';
import type { QueueJournal } from './journal.js';
import type { MessageLock } from './lock.js';
import { lockTokenToDeliveryTag, lockTokenToUuidBytes } from './lock-token.js';
import { plainRecord } from './values.js';
import type { Consumer, MessageEntity, ReceiveMode, StoredMessage } from './queue.js';

export class LinkConsumer implements Consumer {
  readonly mode: ReceiveMode;
  /** Deliveries handed to rhea this tick; link credit only drops once rhea writes the transfer. */
  private unflushed = 0;
  private readonly tokenOf = new WeakMap<Delivery, string>();
  private readonly deliveryOf = new Map<string, Delivery>();
  /** Set between answering a drain and the client's next flow: no credit may be used meanwhile. */
  private drainAnswered = false;
  private closed = false;

  constructor(
    private readonly sender: AmqpSender,
    private readonly entity: MessageEntity,
    private readonly log: (msg: string) => void,
    private readonly onClosed: () => void,
    /** With durable queues, a settlement is confirmed only once it is in the journal. */
    private readonly journal?: QueueJournal,
  ) {
    // The client asks for settled deliveries (snd-settle-mode settled) exactly in receive-and-delete mode.
    this.mode = sender.snd_settle_mode === 1 ? 'receiveAndDelete' : 'peekLock';
    for (const outcome of ['accepted', 'released', 'rejected', 'modified'] as const) {
      sender.on(outcome, (ctx) => this.onOutcome(outcome, ctx));
    }
    // For one flow frame rhea raises sender_flow, then sender_draining (if drain is set), then sendable.
    answerEveryDrain(sender);
    sender.on('sender_flow', () => (this.drainAnswered = false));
    sender.on('sender_draining', () => this.onDrainRequested());
    sender.on('sendable', () => this.onSendable());
    sender.on('sender_close', () => this.close());
  }

  get description(): string {
    return `${this.mode} receiver '${this.sender.name}' on ${this.entity.path}`;
  }

  get session(): AmqpSession {
    return this.sender.session;
  }

  get connection(): AmqpConnection {
    return this.sender.connection;
  }

  start(): void {
    this.entity.addConsumer(this);
  }

  availableCredit(): number {
    if (this.closed || this.drainAnswered || !this.sender.is_open() || !this.sender.sendable()) return 0;
    return Math.max(0, this.sender.credit - this.unflushed);
  }

  deliver(message: StoredMessage, lock: MessageLock<StoredMessage> | undefined): void {
    const annotations: Record<string, AmqpTyped> = {
      'x-opt-sequence-number': wrapLong(message.sequenceNumber),
      'x-opt-enqueued-time': wrapTimestamp(message.enqueuedAt),
    };
    if (lock) {
      annotations['x-opt-locked-until'] = wrapTimestamp(lock.lockedUntil);
      annotations['x-opt-lock-token'] = wrapUuid(lockTokenToUuidBytes(lock.token));
    }
    const payload = encodeForDelivery(message.message, { deliveryCount: message.deliveryCount, annotations });
    // The SDK reads the lock token from the delivery tag; receive-and-delete messages just need a unique tag.
    const tag = lock ? lockTokenToDeliveryTag(lock.token) : Buffer.from(`${message.sequenceNumber}`);
    const delivery = this.sender.send(payload, tag, 0);
    if (lock) {
      this.tokenOf.set(delivery, lock.token);
      this.deliveryOf.set(lock.token, delivery);
    }
    if (this.unflushed++ === 0) process.nextTick(() => (this.unflushed = 0));
  }

  lockEnded(token: string, how: OutcomeKind | 'expired'): void {
    const delivery = this.deliveryOf.get(token);
    if (!delivery) return;
    this.deliveryOf.delete(token);
    // Settled through $management: close the delivery on the link too. An expired lock stays open on
    // the link so a late complete() gets MessageLockLost, as it would from Service Bus.
    if (how !== 'expired' && !this.closed) settleAndForget(delivery, plainOutcome(how));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.deliveryOf.clear();
    this.entity.removeConsumer(this);
    this.onClosed();
    this.log(`closed ${this.description}`);
  }

  private onSendable(): void {
    this.entity.creditAvailable();
  }

  /**
   * The SDK drains when receiveMessages() times out or a subscription stops, and closes the link when no
   * answer comes within 200 ms, which abandons every message it holds: those come back to another receiver
   * while the first one still works on them (duplicate work, then "lock lost" on its complete). So every
   * drain is answered, also when the credit it counts on is already used by transfers on their way (the
   * client's timer can fire before it reads them, typically when its event loop was busy): deliveries
   * queued this tick go out first (rhea writes transfers before flows), then the flow with drain set.
   */
  private onDrainRequested(): void {
    this.drainAnswered = true;
    this.sender.set_drained(true);
  }

  private onOutcome(outcome: OutcomeKind, ctx: EventContext): void {
    const delivery = ctx.delivery;
    if (!delivery || this.mode === 'receiveAndDelete') return;
    const token = this.tokenOf.get(delivery);
    if (token === undefined) return;
    this.tokenOf.delete(delivery);
    this.deliveryOf.delete(token);
    const error = this.settle(outcome, token, delivery.remote_state);
    // Success echoes the client's outcome minus its fields: the SDK fails a settlement whenever the
    // echoed state carries an error, and the dead-letter (rejected) outcome it sent always has one.
    const answer = error ? rejectedOutcome(error) : plainOutcome(outcome);
    if (!this.journal || error) {
      settleAndForget(delivery, answer);
      return;
    }
    // Not confirmed before the journal has it: a completed message must not come back after a crash.
    this.journal.written().then(
      () => !this.closed && settleAndForget(delivery, answer),
      (e: unknown) =>
        !this.closed &&
        settleAndForget(
          delivery,
          rejectedOutcome(
            amqpError(Condition.internalError, `The emulator could not store the settlement: ${String(e)}`),
          ),
        ),
    );
  }

  private settle(
    outcome: OutcomeKind,
    token: string,
    state: DeliveryState | undefined,
  ): AmqpError | undefined {
    switch (outcome) {
      case 'accepted':
        return this.entity.complete(token);
      case 'released':
        return this.entity.abandon(token);
      case 'modified':
        if (state?.undeliverable_here) {
          const failed = this.entity.returnUnprocessed(token);
          return (
            failed ??
            amqpError(
              Condition.notImplemented,
              'The Service Bus emulator does not support deferring messages; the message was returned to the queue.',
            )
          );
        }
        return this.entity.abandon(token, plainRecord(state?.message_annotations));
      case 'rejected': {
        const info = plainRecord(state?.error?.info) ?? {};
        const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = info;
        return this.entity.deadLetter(token, {
          reason: typeof DeadLetterReason === 'string' ? DeadLetterReason : undefined,
          description:
            typeof DeadLetterErrorDescription === 'string' ? DeadLetterErrorDescription : undefined,
          properties,
        });
      }
    }
  }
}

/** rhea's sender internals that decide whether a flow carries the drain flag. */
interface DrainState {
  _draining: boolean;
  _drained: boolean;
  credit: number;
  delivery_count: number;
  _get_drain(): boolean;
}

/**
 * rhea sets drain on its flow only while credit is left (`_get_drain`), so a drain that finds the credit
 * used up was never answered, and the SDK closed the link. A drain with no credit left is complete as it
 * stands: say so, with the credit (0) and the delivery count as they are (AMQP 1.0, 2.6.7).
 */
function answerEveryDrain(sender: AmqpSender): void {
  const link = sender as unknown as DrainState;
  link._get_drain = function (this: DrainState): boolean {
    if (!this._draining || !this._drained) return false;
    while (this.credit > 0) {
      this.delivery_count++;
      this.credit--;
    }
    return true;
  };
}
