// End-to-end: the real, unmodified @azure/service-bus client against the emulator on a free port.
import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceBusEmulator, type ServiceBusEmulator } from '../src/index.js';
import { receiveExactly, sleep, waitFor } from './support.js';

const SHORT_LOCK_MS = 1_000;

let emulator: ServiceBusEmulator;
let client: ServiceBusClient;
const logLines: string[] = [];

beforeAll(async () => {
  emulator = await startServiceBusEmulator({
    port: 0,
    queues: {
      roundtrip: {},
      'receive-delete': {},
      ttl: {},
      bulk: {},
      'past-window': {},
      abandon: {},
      'max-delivery': { maxDeliveryCount: 3 },
      'dead-letter': {},
      'lock-expiry': { lockDurationMs: SHORT_LOCK_MS },
      'lock-renew': { lockDurationMs: SHORT_LOCK_MS },
      'receiver-dies': {},
      'client-dies': {},
      management: {},
      peek: {},
      drain: {},
      unsupported: {},
    },
    logger: (line) => logLines.push(line),
  });
  client = new ServiceBusClient(emulator.connectionString);
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

/** Asserts `action` fails with a ServiceBusError of `code` (and returns it for more checks). */
async function expectServiceBusError(action: () => Promise<unknown>, code: string): Promise<Error> {
  const err = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isServiceBusError(err), `expected a ServiceBusError, got ${String(err)}`).toBe(true);
  if (!isServiceBusError(err)) throw err;
  expect(err.code).toBe(code);
  return err;
}

describe('Service Bus emulator with @azure/service-bus', () => {
  it('starts on a free port and prints a development connection string', () => {
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessKeyName=RootManageSharedAccessKey;` +
        'SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true',
    );
  });

  it('round-trips bodies and properties through send, peek-lock receive and complete', async () => {
    const sender = client.createSender('roundtrip');
    const receiver = client.createReceiver('roundtrip');
    const binary = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x7b]); // not valid JSON, so the SDK keeps a Buffer
    await sender.sendMessages([
      {
        body: { model: 'mnist', inputs: [[0.5, 1]], nested: { ok: true } },
        messageId: 'msg-json',
        correlationId: 'corr-1',
        replyTo: 'scoring-replies',
        contentType: 'application/json',
        subject: 'score',
        timeToLive: 120_000,
        applicationProperties: { tenant: 'contoso', attempt: 3, ratio: 0.25, urgent: true },
      },
      { body: 'plain text', messageId: 'msg-string', contentType: 'text/plain' },
      { body: binary, messageId: 'msg-binary', contentType: 'application/octet-stream' },
    ]);
    // An AMQP-value body (what non-JS clients often send) must come back as a value, not as data.
    await sender.sendMessages({ body: { kind: 'amqp-value', n: 7 }, bodyType: 'value' });
    expect(emulator.queueDepth('roundtrip')).toEqual({ active: 4, locked: 0, deadLettered: 0 });

    const received = await receiveExactly(receiver, 4);
    expect(emulator.queueDepth('roundtrip')).toEqual({ active: 0, locked: 4, deadLettered: 0 });
    const [json, text, bytes, value] = received;

    expect(json.body).toEqual({ model: 'mnist', inputs: [[0.5, 1]], nested: { ok: true } });
    expect(json.messageId).toBe('msg-json');
    expect(json.correlationId).toBe('corr-1');
    expect(json.replyTo).toBe('scoring-replies');
    expect(json.contentType).toBe('application/json');
    expect(json.subject).toBe('score');
    expect(json.timeToLive).toBe(120_000);
    expect(json.applicationProperties).toEqual({ tenant: 'contoso', attempt: 3, ratio: 0.25, urgent: true });
    expect(json.deliveryCount).toBe(0);
    expect(json.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(json.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    expect(json.enqueuedTimeUtc!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(json.expiresAtUtc!.getTime()).toBe(json.enqueuedTimeUtc!.getTime() + 120_000);

    expect(text.body).toBe('plain text');
    expect(text.contentType).toBe('text/plain');
    expect(Buffer.isBuffer(bytes.body)).toBe(true);
    expect(Buffer.compare(bytes.body as Buffer, binary)).toBe(0);
    expect(value.body).toEqual({ kind: 'amqp-value', n: 7 });
    expect(value._rawAmqpMessage.bodyType).toBe('value');

    const sequenceNumbers = received.map((m) => m.sequenceNumber!.toNumber());
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => a - b));
    expect(new Set(received.map((m) => m.lockToken)).size).toBe(4);

    for (const m of received) await receiver.completeMessage(m);
    expect(emulator.queueDepth('roundtrip')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    await receiver.close();
    await sender.close();
  });

  it('removes messages on delivery in receiveAndDelete mode', async () => {
    const sender = client.createSender('receive-delete');
    const receiver = client.createReceiver('receive-delete', { receiveMode: 'receiveAndDelete' });
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }]);
    const received = await receiveExactly(receiver, 2);
    expect(received.map((m) => m.body)).toEqual(['a', 'b']);
    expect(received.every((m) => m.lockToken === undefined)).toBe(true);
    expect(emulator.queueDepth('receive-delete')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    await receiver.close();
    await sender.close();
  });

  it('drops messages whose time-to-live passed before anyone received them', async () => {
    const sender = client.createSender('ttl');
    await sender.sendMessages([
      { body: 'stale', timeToLive: 100 },
      { body: 'fresh', timeToLive: 60_000 },
    ]);
    await sleep(200);
    expect(emulator.queueDepth('ttl')).toEqual({ active: 1, locked: 0, deadLettered: 0 });
    const receiver = client.createReceiver('ttl', { receiveMode: 'receiveAndDelete' });
    const [m] = await receiveExactly(receiver, 1);
    expect(m.body).toBe('fresh');
    await receiver.close();
    await sender.close();
  });

  it('delivers 500 batched messages exactly once to a concurrent subscriber', async () => {
    const total = 500;
    const sender = client.createSender('bulk');
    let batch = await sender.createMessageBatch();
    let batches = 0;
    for (let i = 0; i < total; i++) {
      const message = { body: { i, payload: 'x'.repeat(1_000) }, messageId: `bulk-${i}` };
      if (!batch.tryAddMessage(message)) {
        await sender.sendMessages(batch);
        batches++;
        batch = await sender.createMessageBatch();
        expect(batch.tryAddMessage(message)).toBe(true);
      }
    }
    await sender.sendMessages(batch);
    batches++;
    expect(batches).toBeGreaterThan(1); // the broker's 256 KB max message size split the batches
    expect(emulator.queueDepth('bulk').active).toBe(total);

    const seen = new Map<string, number>();
    const receiver = client.createReceiver('bulk');
    const errors: unknown[] = [];
    const subscription = receiver.subscribe(
      {
        processMessage: async (m) => {
          seen.set(String(m.messageId), (seen.get(String(m.messageId)) ?? 0) + 1);
        },
        processError: async (args) => {
          errors.push(args.error);
        },
      },
      { maxConcurrentCalls: 16 },
    );
    await waitFor(() => seen.size === total, `${total} messages`, 20_000);
    // Auto-complete runs right after each handler; wait until the broker has all completions.
    await waitFor(() => emulator.queueDepth('bulk').locked === 0, 'all completions');
    await subscription.close();
    await receiver.close();
    await sender.close();

    expect(errors).toEqual([]);
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(emulator.queueDepth('bulk')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
  });

  it('keeps delivering past the 2048 unsettled deliveries rhea tracks per session', async () => {
    // Peek-lock clients never confirm the broker's settlement on the wire; unless the broker lets rhea
    // forget settled deliveries, its per-session ring fills up and delivery stalls at 2048 messages.
    const total = 2_100;
    const sender = client.createSender('past-window');
    for (let start = 0; start < total; start += 700) {
      await sender.sendMessages(Array.from({ length: 700 }, (_, i) => ({ body: start + i })));
    }
    const receiver = client.createReceiver('past-window');
    let received = 0;
    const subscription = receiver.subscribe(
      {
        processMessage: async () => {
          received++;
        },
        processError: async () => {},
      },
      { maxConcurrentCalls: 32 },
    );
    await waitFor(() => received === total, `${total} messages`, 20_000);
    await waitFor(() => emulator.queueDepth('past-window').locked === 0, 'all completions');
    await subscription.close();
    await receiver.close();
    await sender.close();
    expect(emulator.queueDepth('past-window')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
  });

  it('redelivers an abandoned message with its delivery count raised', async () => {
    const sender = client.createSender('abandon');
    const receiver = client.createReceiver('abandon');
    await sender.sendMessages({ body: 'retry me', messageId: 'abandon-1' });
    const [first] = await receiveExactly(receiver, 1);
    expect(first.deliveryCount).toBe(0);
    await receiver.abandonMessage(first, { abandonedBy: 'test' });
    const [second] = await receiveExactly(receiver, 1);
    expect(second.messageId).toBe('abandon-1');
    expect(second.deliveryCount).toBe(1);
    expect(second.lockToken).not.toBe(first.lockToken);
    expect(second.applicationProperties).toEqual({ abandonedBy: 'test' });
    await receiver.completeMessage(second);
    // The first lock is gone: settling with it again is rejected like Service Bus does.
    await expect(receiver.completeMessage(first)).rejects.toThrow();
    await receiver.close();
    await sender.close();
  });

  it('dead-letters a message abandoned maxDeliveryCount times', async () => {
    const sender = client.createSender('max-delivery');
    const receiver = client.createReceiver('max-delivery');
    await sender.sendMessages({ body: { poison: true }, messageId: 'poison-1' });
    for (let attempt = 0; attempt < 3; attempt++) {
      const [m] = await receiveExactly(receiver, 1);
      expect(m.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(m);
    }
    expect(emulator.queueDepth('max-delivery')).toEqual({ active: 0, locked: 0, deadLettered: 1 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);

    const deadLetters = client.createReceiver('max-delivery', { subQueueType: 'deadLetter' });
    const [dead] = await receiveExactly(deadLetters, 1);
    expect(dead.messageId).toBe('poison-1');
    expect(dead.body).toEqual({ poison: true });
    expect(dead.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead.deadLetterErrorDescription).toBe('Message could not be consumed after 3 delivery attempts.');
    await deadLetters.completeMessage(dead);
    expect(emulator.queueDepth('max-delivery')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('dead-letters explicitly with reason, description and extra properties', async () => {
    const sender = client.createSender('dead-letter');
    const receiver = client.createReceiver('dead-letter');
    await sender.sendMessages({
      body: 'bad input',
      messageId: 'dl-1',
      applicationProperties: { origin: 'test' },
    });
    const [m] = await receiveExactly(receiver, 1);
    await receiver.deadLetterMessage(m, {
      deadLetterReason: 'ValidationFailed',
      deadLetterErrorDescription: 'input shape [1,3] does not match [1,784]',
      model: 'mnist',
    });
    expect(emulator.queueDepth('dead-letter')).toEqual({ active: 0, locked: 0, deadLettered: 1 });

    const deadLetters = client.createReceiver('dead-letter', { subQueueType: 'deadLetter' });
    const [dead] = await receiveExactly(deadLetters, 1);
    expect(dead.messageId).toBe('dl-1');
    expect(dead.body).toBe('bad input');
    expect(dead.deadLetterReason).toBe('ValidationFailed');
    expect(dead.deadLetterErrorDescription).toBe('input shape [1,3] does not match [1,784]');
    expect(dead.applicationProperties).toMatchObject({ origin: 'test', model: 'mnist' });
    await deadLetters.completeMessage(dead);
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('returns a message whose lock expired, and a late complete fails with MessageLockLost', async () => {
    const sender = client.createSender('lock-expiry');
    // Auto lock renewal would keep the lock alive forever; switch it off to let it lapse.
    const receiver = client.createReceiver('lock-expiry', { maxAutoLockRenewalDurationInMs: 0 });
    await sender.sendMessages({ body: 'slow consumer', messageId: 'expiry-1' });
    const [first] = await receiveExactly(receiver, 1);
    expect(first.lockedUntilUtc!.getTime() - Date.now()).toBeLessThanOrEqual(SHORT_LOCK_MS);
    await sleep(SHORT_LOCK_MS + 200);
    expect(emulator.queueDepth('lock-expiry')).toEqual({ active: 1, locked: 0, deadLettered: 0 });

    await expectServiceBusError(() => receiver.completeMessage(first), 'MessageLockLost');
    const [again] = await receiveExactly(receiver, 1);
    expect(again.messageId).toBe('expiry-1');
    expect(again.deliveryCount).toBe(1);
    await receiver.completeMessage(again);
    await receiver.close();
    await sender.close();
  });

  it('renews a message lock so it outlives the lock duration', async () => {
    const sender = client.createSender('lock-renew');
    const receiver = client.createReceiver('lock-renew', { maxAutoLockRenewalDurationInMs: 0 });
    await sender.sendMessages({ body: 'long job', messageId: 'renew-1' });
    const [m] = await receiveExactly(receiver, 1);
    const before = m.lockedUntilUtc!.getTime();
    await sleep(SHORT_LOCK_MS * 0.6);
    const renewed = await receiver.renewMessageLock(m);
    expect(renewed.getTime()).toBeGreaterThan(before);
    expect(m.lockedUntilUtc!.getTime()).toBe(renewed.getTime());
    await sleep(SHORT_LOCK_MS * 0.6); // past the original expiry, within the renewed one
    expect(emulator.queueDepth('lock-renew')).toEqual({ active: 0, locked: 1, deadLettered: 0 });
    await receiver.completeMessage(m);
    expect(emulator.queueDepth('lock-renew')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    await receiver.close();
    await sender.close();
  });

  it('redelivers messages held by a receiver that closes without settling them', async () => {
    const sender = client.createSender('receiver-dies');
    await sender.sendMessages([1, 2, 3].map((i) => ({ body: i, messageId: `dies-${i}` })));
    const doomed = client.createReceiver('receiver-dies');
    await receiveExactly(doomed, 3);
    expect(emulator.queueDepth('receiver-dies').locked).toBe(3);
    await doomed.close();
    await waitFor(() => emulator.queueDepth('receiver-dies').active === 3, 'messages back in the queue');

    const survivor = client.createReceiver('receiver-dies');
    const again = await receiveExactly(survivor, 3);
    expect(again.map((m) => m.messageId)).toEqual(['dies-1', 'dies-2', 'dies-3']);
    expect(again.every((m) => m.deliveryCount === 1)).toBe(true);
    for (const m of again) await survivor.completeMessage(m);
    await survivor.close();
    await sender.close();
  });

  it('redelivers messages held by a client whose whole connection goes away', async () => {
    const sender = client.createSender('client-dies');
    await sender.sendMessages([1, 2].map((i) => ({ body: i, messageId: `conn-${i}` })));
    const dyingClient = new ServiceBusClient(emulator.connectionString);
    await receiveExactly(dyingClient.createReceiver('client-dies'), 2);
    await dyingClient.close();
    await waitFor(() => emulator.queueDepth('client-dies').active === 2, 'messages back in the queue');

    const receiver = client.createReceiver('client-dies');
    const again = await receiveExactly(receiver, 2);
    expect(again.map((m) => m.messageId)).toEqual(['conn-1', 'conn-2']);
    for (const m of again) await receiver.completeMessage(m);
    expect(emulator.queueDepth('client-dies')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    await receiver.close();
    await sender.close();
  });

  it('settles by lock token on the $management node (the SDK path when the receive link is gone)', async () => {
    const sender = client.createSender('management');
    const receiver = client.createReceiver('management');
    await sender.sendMessages([{ body: 'complete me' }, { body: 'abandon me' }, { body: 'dead-letter me' }]);
    const [a, b, c] = await receiveExactly(receiver, 3);
    const management = managementClient(client, 'management');
    await management.updateDispositionStatus(a.lockToken!, 'complete', {});
    await management.updateDispositionStatus(b.lockToken!, 'abandon', {});
    await management.updateDispositionStatus(c.lockToken!, 'deadletter', { deadLetterReason: 'ByToken' });
    expect(emulator.queueDepth('management')).toEqual({ active: 1, locked: 0, deadLettered: 1 });
    await expectServiceBusError(
      () => management.updateDispositionStatus(a.lockToken!, 'complete', {}),
      'MessageLockLost',
    );

    const [redelivered] = await receiveExactly(receiver, 1);
    expect(redelivered.body).toBe('abandon me');
    await receiver.completeMessage(redelivered);
    const deadLetters = client.createReceiver('management', { subQueueType: 'deadLetter' });
    const [dead] = await receiveExactly(deadLetters, 1);
    expect(dead.deadLetterReason).toBe('ByToken');
    await deadLetters.completeMessage(dead);
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('peeks without locking, locked messages included', async () => {
    const sender = client.createSender('peek');
    await sender.sendMessages([1, 2, 3].map((i) => ({ body: { i }, messageId: `peek-${i}` })));
    const receiver = client.createReceiver('peek');
    const [locked] = await receiveExactly(receiver, 1);
    const peeker = client.createReceiver('peek');
    const peeked = await peeker.peekMessages(10);
    expect(peeked.map((m) => m.messageId)).toEqual(['peek-1', 'peek-2', 'peek-3']);
    expect(peeked.every((m) => m.lockToken === undefined)).toBe(true);
    expect(peeked[0].sequenceNumber!.toNumber()).toBe(locked.sequenceNumber!.toNumber());
    expect(await peeker.peekMessages(10)).toEqual([]); // the SDK continues after the last peeked one
    expect(emulator.queueDepth('peek')).toEqual({ active: 2, locked: 1, deadLettered: 0 });
    await receiver.completeMessage(locked);
    for (const m of await receiveExactly(receiver, 2)) await receiver.completeMessage(m);
    await peeker.close();
    await receiver.close();
    await sender.close();
  });

  it('answers drains so an empty receiveMessages returns on time and keeps its link', async () => {
    const receiver = client.createReceiver('drain');
    const started = Date.now();
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
    const sender = client.createSender('drain');
    await sender.sendMessages({ body: 'after the drain' });
    const [m] = await receiveExactly(receiver, 1);
    await receiver.completeMessage(m);
    // A drain the broker failed to answer makes the SDK close the link after 200 ms.
    expect(logLines.filter((l) => l.startsWith('closed') && l.endsWith('on drain'))).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('fails fast with clear errors for unknown queues and unsupported features', async () => {
    const typo = client.createSender('no-such-queue');
    const notFound = await expectServiceBusError(
      () => typo.sendMessages({ body: 1 }),
      'MessagingEntityNotFound',
    );
    expect(notFound.message).toContain("The messaging entity 'no-such-queue' could not be found");
    await typo.close();

    const sender = client.createSender('unsupported');
    await expect(sender.scheduleMessages({ body: 'later' }, new Date(Date.now() + 60_000))).rejects.toThrow(
      /Scheduled messages are not supported/,
    );
    await expect(
      sender.sendMessages({ body: 'later', scheduledEnqueueTimeUtc: new Date(Date.now() + 60_000) }),
    ).rejects.toThrow(/Scheduled messages .* are not supported/);
    await expect(client.acceptSession('unsupported', 'session-1')).rejects.toThrow(
      /Sessions are not supported/,
    );

    // Deferral fails loudly and puts the message straight back, uncounted, so nothing is lost.
    await sender.sendMessages({ body: 'defer me', messageId: 'defer-1' });
    const receiver = client.createReceiver('unsupported');
    const [m] = await receiveExactly(receiver, 1);
    await expect(receiver.deferMessage(m)).rejects.toThrow(/does not support deferring/);
    const [again] = await receiveExactly(receiver, 1);
    expect(again.messageId).toBe('defer-1');
    expect(again.deliveryCount).toBe(0);
    await receiver.completeMessage(again);
    expect(emulator.queueDepth('unsupported')).toEqual({ active: 0, locked: 0, deadLettered: 0 });
    await receiver.close();
    await sender.close();
  });
});

/** The SDK's per-entity management client: what receivers fall back to when their link is gone. */
interface ManagementClient {
  updateDispositionStatus(
    lockToken: string,
    disposition: 'complete' | 'abandon' | 'deadletter',
    options: { deadLetterReason?: string },
  ): Promise<void>;
}

function managementClient(sb: ServiceBusClient, queue: string): ManagementClient {
  const context = (
    sb as unknown as { _connectionContext: { getManagementClient(path: string): ManagementClient } }
  )._connectionContext;
  return context.getManagementClient(queue);
}
