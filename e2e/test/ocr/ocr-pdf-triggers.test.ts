import { ServiceBusClient } from '@azure/service-bus';
import { QueueServiceClient } from '@azure/storage-queue';
import { encryptedPdf, makePdf, renderTextPage } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replies, upload, waitForBlob } from '../support/clients.js';
import { startSystem, type System } from '../support/system.js';

// A PDF on every trigger of the running system (npm start: redis-server, Azurite, the Service Bus
// emulator, the local host): HTTP with its media type, then a blob and messages that carry the same bytes
// (a blob and a Service Bus message need no media type: %PDF- says what they are), each answered with the
// pages; an encrypted PDF as a blob gets an error record with its code.

const LINES = ['Invoice 2024-0917', 'Total due: 193.93 EUR'];
/** A bound on each wait for an answer, not a measure: the shared 2-core machine has taken 30 s for one. */
const WAIT_MS = 60_000;

describe('PDFs on every trigger', () => {
  let sys: System;
  let sb: ServiceBusClient;
  let pdf: Buffer;
  let text: string;

  beforeAll(async () => {
    const page = await renderTextPage('pdf-trigger-page', LINES);
    // A text page (read from its layer) and the same page scanned (rendered and OCR'd).
    pdf = await makePdf([
      { kind: 'text', lines: LINES },
      { kind: 'scan', png: page.png },
    ]);
    text = `${LINES.join('\n')}\n\n${LINES.join('\n')}`;
    sys = await startSystem(undefined, { MODELS: 'mnist,ocr' });
    sb = new ServiceBusClient(sys.servicebus);
  });

  afterAll(async () => {
    await sb?.close();
    // A clean stop is all-triggers.test.ts's to check; this file is about documents.
    await sys?.stop();
  });

  it(
    'reads a PDF over HTTP, then as a blob, a Service Bus message and a queue message',
    async () => {
      const http = await fetch(`${sys.url}/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/pdf', 'x-model': 'ocr' },
        body: pdf,
      });
      expect(http.status).toBe(200);
      expect(http.headers.get('x-cache')).toBe('miss');
      const answer = (await http.json()) as { text: string; pages: { source: string }[] };
      expect(answer.text).toBe(text);
      expect(answer.pages.map((p) => p.source)).toEqual(['text', 'ocr']);

      await upload(sys.storage, 'letter.pdf', pdf, 'images', { model: 'ocr' });
      const record = await waitForBlob(sys.storage, 'predictions', 'letter.pdf.json', WAIT_MS);
      expect(record).toMatchObject({ blob: 'images/letter.pdf', model: 'ocr', cache: 'hit', result: answer });

      const sender = sb.createSender('scoring-requests');
      await sender.sendMessages({
        body: pdf,
        correlationId: 'e2e-pdf',
        applicationProperties: { model: 'ocr' },
      });
      await sender.close();
      const got = await replies(sb, ['e2e-pdf'], WAIT_MS);
      expect(got.get('e2e-pdf')?.body).toMatchObject({ model: 'ocr', cache: 'hit', result: answer });

      const queues = QueueServiceClient.fromConnectionString(sys.storage);
      const requests = queues.getQueueClient('scoring-queue-requests');
      const repliesQueue = queues.getQueueClient('scoring-queue-replies');
      await requests.createIfNotExists();
      await repliesQueue.createIfNotExists();
      const envelope = {
        model: 'ocr',
        correlationId: 'e2e-queue-pdf',
        contentType: 'application/pdf',
        base64: pdf.toString('base64'),
      };
      await requests.sendMessage(Buffer.from(JSON.stringify(envelope)).toString('base64'));
      const deadline = Date.now() + WAIT_MS;
      let reply: Record<string, unknown> | undefined;
      while (!reply && Date.now() < deadline) {
        const { receivedMessageItems } = await repliesQueue.receiveMessages({ numberOfMessages: 32 });
        for (const m of receivedMessageItems) {
          const body = JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as Record<
            string,
            unknown
          >;
          if (body.correlationId === 'e2e-queue-pdf') reply = body;
        }
        if (!reply) await new Promise((r) => setTimeout(r, 200));
      }
      expect(reply).toMatchObject({ model: 'ocr', result: answer });
    },
    5 * WAIT_MS,
  );

  it('answers an encrypted PDF blob with an error record and its code', async () => {
    await upload(sys.storage, 'locked.pdf', encryptedPdf(), 'images', { model: 'ocr' });
    const record = await waitForBlob(sys.storage, 'predictions', 'locked.pdf.error.json', WAIT_MS);
    expect(record).toMatchObject({ code: 'ENCRYPTED_DOCUMENT' });
  });
});
