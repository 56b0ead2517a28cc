// `npm run send -- path/to/image.png [more files]`: publishes scoring requests and prints each reply.
// JSON files are sent as JSON bodies ({"data": ...} or v2 "inputs"), anything else as bytes.
import { ServiceBusClient } from '@azure/service-bus';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { sbSettings } from './settings.js';

const DEFAULT_CONNECTION =
  'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true';
const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.json': 'application/json',
};

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run send -- <image.png|request.json> [...]');
  process.exit(2);
}
const client = new ServiceBusClient(process.env[sbSettings.connectionSetting] || DEFAULT_CONNECTION);
const sender = client.createSender(sbSettings.requestQueue);
const receiver = client.createReceiver(sbSettings.replyQueue);
try {
  const pending = new Map<string, string>();
  for (const file of files) {
    const bytes = await readFile(file);
    const contentType = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const correlationId = randomUUID();
    pending.set(correlationId, file);
    const body = contentType === 'application/json' ? JSON.parse(bytes.toString('utf8')) : bytes;
    await sender.sendMessages({ body, contentType, correlationId, replyTo: sbSettings.replyQueue });
  }
  const deadline = Date.now() + 30_000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const m of await receiver.receiveMessages(10, { maxWaitTimeInMs: 1000 })) {
      const file = pending.get(String(m.correlationId));
      // Replies to other senders stay on the queue for them.
      if (!file) {
        await receiver.abandonMessage(m);
        continue;
      }
      await receiver.completeMessage(m);
      pending.delete(String(m.correlationId));
      console.log(`${file}: ${JSON.stringify(m.body)}`);
    }
  }
  if (pending.size > 0) {
    console.error(
      `no reply within 30 s for: ${[...pending.values()].join(', ')} (is \`npm start\` running?)`,
    );
    process.exitCode = 1;
  }
} finally {
  await receiver.close();
  await sender.close();
  await client.close();
}
