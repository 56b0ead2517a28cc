// The one place that touches rhea directly. rhea's own typings are loose (`any` everywhere) and omit
// things a broker needs (link credit, local attach fields, outcome builders), so the rest of the
// emulator programs against the small interfaces below and this file does the single cast.
import rhea from 'rhea';
import type { Server } from 'node:net';

/** An AMQP value with its wire type already chosen (rhea's `Typed`). Opaque on purpose. */
export interface AmqpTyped {
  readonly type: unknown;
  readonly value: unknown;
}

export interface AmqpError {
  condition: string;
  description?: string;
  info?: unknown;
}

export interface Terminus {
  address?: string;
  filter?: unknown;
}

/** A decoded AMQP message as rhea represents it (sections flattened onto one object). */
export interface AmqpMessage {
  body?: unknown;
  message_id?: unknown;
  correlation_id?: unknown;
  user_id?: unknown;
  to?: string;
  subject?: string;
  reply_to?: string;
  content_type?: string;
  group_id?: string;
  reply_to_group_id?: string;
  creation_time?: Date;
  absolute_expiry_time?: Date;
  durable?: boolean;
  priority?: number;
  ttl?: number;
  first_acquirer?: boolean;
  delivery_count?: number;
  application_properties?: Record<string, unknown>;
  message_annotations?: Record<string, unknown>;
  delivery_annotations?: Record<string, unknown>;
}

/** Fields of a remote outcome (rejected / modified) that the broker reads. */
export interface DeliveryState {
  error?: { condition?: unknown; description?: unknown; info?: unknown };
  undeliverable_here?: boolean;
  message_annotations?: unknown;
}

export interface Delivery {
  /** The transfer's delivery-id on its session. */
  readonly id?: number;
  readonly remote_settled: boolean;
  readonly remote_state?: DeliveryState;
  update(settled: boolean, state?: AmqpTyped): void;
  accept(): void;
  reject(error: AmqpError): void;
}

export interface AmqpConnection {
  readonly container_id?: string;
  close(error?: AmqpError): void;
  is_open(): boolean;
  is_closed(): boolean;
}

export interface AmqpSession {
  readonly connection: AmqpConnection;
}

interface LocalAttach {
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number;
}

export interface AmqpLink {
  readonly name: string;
  readonly credit: number;
  readonly source?: Terminus | null;
  readonly target?: Terminus | null;
  readonly snd_settle_mode?: number;
  readonly rcv_settle_mode?: number;
  readonly session: AmqpSession;
  readonly connection: AmqpConnection;
  readonly local: { attach: LocalAttach };
  set_source(terminus: Terminus): void;
  set_target(terminus: Terminus): void;
  close(error?: AmqpError): void;
  is_open(): boolean;
  is_closed(): boolean;
  on(event: string, listener: (context: EventContext) => void): unknown;
}

/** The broker's end of a link the client receives on. */
export interface AmqpSender extends AmqpLink {
  sendable(): boolean;
  set_drained(drained: boolean): void;
  send(payload: Buffer | AmqpMessage, tag?: Buffer, format?: number): Delivery;
}

/** The broker's end of a link the client sends on. */
export type AmqpReceiver = AmqpLink;

export interface EventContext {
  connection: AmqpConnection;
  session?: AmqpSession;
  sender?: AmqpSender;
  receiver?: AmqpReceiver;
  delivery?: Delivery;
  /** Decoded message for format 0 transfers, the raw payload for any other format. */
  message?: AmqpMessage | Buffer;
  format?: number;
  error?: unknown;
}

interface SaslServerMechanisms {
  enable_anonymous(): void;
  enable_plain(verify: (username: string, password: string) => boolean): void;
}

export interface AmqpContainer {
  readonly id: string;
  sasl_server_mechanisms: SaslServerMechanisms;
  listen(options: { host: string; port: number }): Server;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: string, listener: (context: EventContext) => void): unknown;
}

interface RheaTypes {
  wrap_long(value: number | Buffer): AmqpTyped;
  wrap_timestamp(ms: number): AmqpTyped;
  wrap_uuid(bytes: Buffer): AmqpTyped;
}

interface Outcome {
  described(): AmqpTyped;
}

interface RheaModule {
  create_container(options: Record<string, unknown>): AmqpContainer;
  string_to_uuid(value: string): Buffer;
  uuid_to_string(bytes: Buffer): string;
  types: RheaTypes;
  message: {
    encode(message: AmqpMessage): Buffer;
    decode(buffer: Buffer): AmqpMessage;
    accepted(): Outcome;
    released(): Outcome;
    modified(fields?: Record<string, unknown>): Outcome;
    rejected(fields?: { error?: AmqpError }): Outcome;
  };
}

const r = rhea as unknown as RheaModule;

export function createContainer(id: string): AmqpContainer {
  return r.create_container({
    id,
    // The broker decides each transfer's outcome itself (unknown formats, scheduled messages…).
    autoaccept: false,
    // rhea would otherwise also raise `released` for every `modified` outcome: abandon would run twice.
    treat_modified_as_released: false,
  });
}

export const encodeMessage = (message: AmqpMessage): Buffer => r.message.encode(message);
export const decodeMessage = (buffer: Buffer): AmqpMessage => r.message.decode(buffer);

export const wrapLong = (value: number): AmqpTyped => r.types.wrap_long(value);
export const wrapTimestamp = (ms: number): AmqpTyped => r.types.wrap_timestamp(ms);
export const wrapUuid = (bytes: Buffer): AmqpTyped => r.types.wrap_uuid(bytes);

export const uuidToString = (bytes: Buffer): string => r.uuid_to_string(bytes).toLowerCase();
export const stringToUuid = (value: string): Buffer => r.string_to_uuid(value);

export type OutcomeKind = 'accepted' | 'released' | 'rejected' | 'modified';

/** The outcome kind with no fields set (so a rejected outcome carries no error). */
export function plainOutcome(kind: OutcomeKind): AmqpTyped {
  return r.message[kind]().described();
}

export function rejectedOutcome(error: AmqpError): AmqpTyped {
  return r.message.rejected({ error }).described();
}

/**
 * Settles a delivery the client receives in peek-lock mode and lets rhea forget it.
 *
 * With receiver-settle-mode `second` the client settles locally after it sees the broker's settled
 * disposition and never says so on the wire, so rhea would keep the delivery in the session's
 * 2048-slot outgoing ring forever and throw "circular buffer overflow" after ~2k messages on one
 * session. Marking it remotely settled is exactly what the protocol guarantees at this point.
 */
export function settleAndForget(delivery: Delivery, state?: AmqpTyped): void {
  delivery.update(true, state);
  (delivery as { remote_settled: boolean }).remote_settled = true;
}
