// Helpers shared by the emulator tests (not a test file: vitest only collects *.test.ts).
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';

/** receiveMessages() may return early with fewer; keep asking until `count` arrive or time runs out. */
export async function receiveExactly(
  receiver: ServiceBusReceiver,
  count: number,
  timeoutMs = 10_000,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - received.length, {
      maxWaitTimeInMs: Math.max(100, Math.min(2_000, deadline - Date.now())),
    });
    received.push(...batch);
  }
  if (received.length !== count) throw new Error(`expected ${count} messages, received ${received.length}`);
  return received;
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
