// One message store: a queue or its dead-letter sub-queue. It owns the messages, their locks and the
// consumers attached to it, and hands messages to consumers round-robin as credit allows.
import { randomUUID } from 'node:crypto';
import type { AmqpError, AmqpMessage, OutcomeKind } from './amqp.js';
import { amqpError, Condition, describeError, lockLost } from './errors.js';
import type { EntityStore } from './journal.js';
import { LockTable, type LockHolder, type MessageLock } from './lock.js';

export type ReceiveMode = 'peekLock' | 'receiveAndDelete';

export interface StoredMessage {
  readonly sequenceNumber: number;
  readonly enqueuedAt: number;
  /** Absent when the message has no time-to-live (or sits in a dead-letter queue, where TTL is ignored). */
  readonly expiresAt: number | undefined;
  /** How many times the message has been handed to a receiver so far. */
  deliveryCount: number;
  message: AmqpMessage;
}

/** A receive link attached to this entity. */
export interface Consumer extends LockHolder {
  readonly mode: ReceiveMode;
  /** How many more messages the consumer can take right now. */
  availableCredit(): number;
  /** `lock` is set in peek-lock mode; in receive-and-delete mode the message is already gone. */
  deliver(message: StoredMessage, lock: MessageLock<StoredMessage> | undefined): void;
}

export interface EntitySettings {
  maxDeliveryCount: number;
  lockDurationMs: number;
  /** Largest message (or batch) a sender may put on the queue, in bytes as encoded on the wire. */
  maxMessageSizeBytes: number;
}

export interface DeadLetterOptions {
  reason?: string;
  description?: string;
  properties?: Record<string, unknown>;
}

export interface PeekedMessage {
  message: StoredMessage;
  lockedUntil: number | undefined;
}

export const MAX_DELIVERY_COUNT_EXCEEDED = 'MaxDeliveryCountExceeded';

export class MessageEntity {
  private readonly available: StoredMessage[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly locks: LockTable<StoredMessage>;
  private nextConsumer = 0;
  private nextSequenceNumber = 1;
  private pumping = false;

  constructor(
    readonly path: string,
    private readonly settings: EntitySettings,
    /** Where messages go when dead-lettered; undefined for a dead-letter queue itself. */
    private readonly deadLetterQueue: MessageEntity | undefined,
    private readonly log: (msg: string) => void,
    /** Where every change is recorded when the queues are durable (see journal.ts). */
    private readonly store?: EntityStore,
  ) {
    this.locks = new LockTable(settings.lockDurationMs, (lock) => this.onLockExpired(lock));
  }

  /** What a sender may put on this queue in one transfer (advertised on its send links). */
  get maxMessageSizeBytes(): number {
    return this.settings.maxMessageSizeBytes;
  }

  /** Messages read back from the journal on start: all available again (locks do not survive a restart). */
  restore(messages: StoredMessage[], nextSequenceNumber: number): void {
    for (const m of messages) this.insertAvailable(m);
    this.nextSequenceNumber = Math.max(this.nextSequenceNumber, nextSequenceNumber);
  }

  /** Every message held, available or locked. */
  messages(): StoredMessage[] {
    return [...this.available, ...this.locks.all().map((l) => l.message)];
  }

  /** The highest sequence number held, 0 when empty. */
  maxSequenceNumber(): number {
    return this.messages().reduce((max, m) => Math.max(max, m.sequenceNumber), 0);
  }

  enqueue(message: AmqpMessage): StoredMessage {
    const enqueuedAt = Date.now();
    // Service Bus gives every message an id; the SDK's lock renewer even requires one.
    if (message.message_id === undefined || message.message_id === null) {
      message = { ...message, message_id: randomUUID().replace(/-/g, '') };
    }
    const ttl =
      this.deadLetterQueue && typeof message.ttl === 'number' && message.ttl > 0 ? message.ttl : undefined;
    const stored: StoredMessage = {
      sequenceNumber: this.nextSequenceNumber++,
      enqueuedAt,
      expiresAt: ttl === undefined ? undefined : enqueuedAt + ttl,
      deliveryCount: 0,
      message,
    };
    this.available.push(stored);
    this.store?.put(this.path, stored);
    this.pump();
    return stored;
  }

  depth(): { active: number; locked: number } {
    this.dropExpired();
    return { active: this.available.length, locked: this.locks.size };
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.pump();
  }

  /** The link is gone: like Service Bus, every message it still holds a lock on is abandoned. */
  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    const held = this.locks.heldBy(consumer);
    for (const lock of held) {
      this.locks.release(lock.token);
      this.returnToQueue(lock.message, 'its receiver closed');
    }
    this.pump();
  }

  /** A consumer gained credit (or its session freed up room): see if it can take messages. */
  creditAvailable(): void {
    this.pump();
  }

  complete(token: string): AmqpError | undefined {
    const lock = this.releaseLock(token, 'accepted');
    if (!lock) return lockLost(token);
    this.store?.removed(this.path, lock.message.sequenceNumber);
    return undefined;
  }

  abandon(token: string, propertiesToModify?: Record<string, unknown>): AmqpError | undefined {
    const lock = this.releaseLock(token, 'modified');
    if (!lock) return lockLost(token);
    if (propertiesToModify && modifyProperties(lock.message, propertiesToModify))
      this.store?.put(this.path, lock.message);
    this.returnToQueue(lock.message, 'it was abandoned');
    this.pump();
    return undefined;
  }

  deadLetter(token: string, options: DeadLetterOptions): AmqpError | undefined {
    if (!this.deadLetterQueue) {
      return amqpError(
        Condition.notAllowed,
        `Messages in '${this.path}' cannot be dead-lettered again; complete or abandon them instead.`,
      );
    }
    const lock = this.releaseLock(token, 'rejected');
    if (!lock) return lockLost(token);
    this.moveToDeadLetter(lock.message, options);
    return undefined;
  }

  /**
   * For settlements the emulator does not implement (defer): the message goes straight back to the
   * queue and the attempt is not counted, so nothing is lost and the caller just gets an error.
   */
  returnUnprocessed(token: string): AmqpError | undefined {
    const lock = this.releaseLock(token, 'released');
    if (!lock) return lockLost(token);
    lock.message.deliveryCount = Math.max(0, lock.message.deliveryCount - 1);
    this.store?.delivered(this.path, lock.message);
    this.insertAvailable(lock.message);
    this.pump();
    return undefined;
  }

  renewLock(token: string): number | AmqpError {
    const lock = this.locks.renew(token);
    return lock ? lock.lockedUntil : lockLost(token);
  }

  /** Messages from `fromSequenceNumber` on, locked ones included, in sequence order (like Service Bus peek). */
  peek(fromSequenceNumber: number, maxCount: number): PeekedMessage[] {
    this.dropExpired();
    const locked = this.locks.all().map((l) => ({ message: l.message, lockedUntil: l.lockedUntil }));
    const active = this.available.map((m) => ({ message: m, lockedUntil: undefined }));
    return [...active, ...locked]
      .filter((p) => p.message.sequenceNumber >= fromSequenceNumber)
      .sort((a, b) => a.message.sequenceNumber - b.message.sequenceNumber)
      .slice(0, maxCount);
  }

  close(): void {
    this.locks.clear();
    this.consumers.length = 0;
  }

  /** Ends a lock and tells its holder, which settles the delivery if it was settled some other way. */
  private releaseLock(token: string, outcome: OutcomeKind): MessageLock<StoredMessage> | undefined {
    const lock = this.locks.release(token);
    lock?.holder.lockEnded(token, outcome);
    return lock;
  }

  private onLockExpired(lock: MessageLock<StoredMessage>): void {
    lock.holder.lockEnded(lock.token, 'expired');
    this.returnToQueue(lock.message, `its lock expired after ${this.settings.lockDurationMs} ms`);
    this.pump();
  }

  /** The delivery attempt failed; past the queue's MaxDeliveryCount the message is dead-lettered. */
  private returnToQueue(message: StoredMessage, why: string): void {
    if (this.deadLetterQueue && message.deliveryCount >= this.settings.maxDeliveryCount) {
      this.moveToDeadLetter(message, {
        reason: MAX_DELIVERY_COUNT_EXCEEDED,
        description: `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      });
      return;
    }
    this.log(`${this.path}: message #${message.sequenceNumber} is available again because ${why}`);
    this.insertAvailable(message);
  }

  private moveToDeadLetter(message: StoredMessage, options: DeadLetterOptions): void {
    const dlq = this.deadLetterQueue;
    if (!dlq) return;
    const properties: Record<string, unknown> = { ...options.properties };
    if (options.reason !== undefined) properties.DeadLetterReason = options.reason;
    if (options.description !== undefined) properties.DeadLetterErrorDescription = options.description;
    modifyProperties(message, properties);
    this.store?.removed(this.path, message.sequenceNumber);
    this.log(
      `${this.path}: message #${message.sequenceNumber} dead-lettered (${options.reason ?? 'no reason given'})`,
    );
    const parked = { ...message, expiresAt: undefined };
    dlq.insertAvailable(parked);
    dlq.store?.put(dlq.path, parked);
    dlq.pump();
  }

  /** Keeps sequence order, so an abandoned message is the next one delivered (FIFO as on Service Bus). */
  private insertAvailable(message: StoredMessage): void {
    let lo = 0;
    let hi = this.available.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.available[mid].sequenceNumber < message.sequenceNumber) lo = mid + 1;
      else hi = mid;
    }
    this.available.splice(lo, 0, message);
  }

  private dropExpired(): void {
    const now = Date.now();
    for (let i = this.available.length - 1; i >= 0; i--) {
      const m = this.available[i];
      if (m.expiresAt !== undefined && m.expiresAt <= now) {
        this.available.splice(i, 1);
        this.store?.removed(this.path, m.sequenceNumber);
        this.log(`${this.path}: message #${m.sequenceNumber} expired (time-to-live) and was dropped`);
      }
    }
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const now = Date.now();
      while (this.available.length > 0) {
        const consumer = this.takeConsumerWithCredit();
        if (!consumer) break;
        const message = this.available.shift() as StoredMessage;
        if (message.expiresAt !== undefined && message.expiresAt <= now) {
          this.store?.removed(this.path, message.sequenceNumber);
          this.log(`${this.path}: message #${message.sequenceNumber} expired (time-to-live) and was dropped`);
          continue;
        }
        const lock = consumer.mode === 'peekLock' ? this.locks.acquire(message, consumer) : undefined;
        try {
          consumer.deliver(message, lock);
        } catch (err) {
          // Never lose a message to a failed send: put it back and stop feeding this round.
          if (lock) this.locks.release(lock.token);
          this.insertAvailable(message);
          this.log(
            `${this.path}: delivery of message #${message.sequenceNumber} failed: ${describeError(err)}`,
          );
          break;
        }
        message.deliveryCount++;
        if (lock) this.store?.delivered(this.path, message);
        else this.store?.removed(this.path, message.sequenceNumber);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Round-robin over consumers so parallel receivers share the queue instead of one draining it. */
  private takeConsumerWithCredit(): Consumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const index = (this.nextConsumer + i) % this.consumers.length;
      const consumer = this.consumers[index];
      if (consumer.availableCredit() > 0) {
        this.nextConsumer = (index + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }
}

/** True when something changed. */
function modifyProperties(message: StoredMessage, properties: Record<string, unknown>): boolean {
  const defined = Object.entries(properties).filter(([, v]) => v !== undefined && v !== null);
  if (defined.length === 0) return false;
  message.message = {
    ...message.message,
    application_properties: { ...message.message.application_properties, ...Object.fromEntries(defined) },
  };
  return true;
}
