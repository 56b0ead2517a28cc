import { ServiceBusClient } from '@azure/service-bus';
import { renderTextPage, textLine, type TextPage } from '@modelfn/model-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upload, waitForBlob } from './support/clients.js';
import { png, row } from './support/digits.js';
import { startSystem, type System } from './support/system.js';

// Mixed models on every trigger through the inference pool, with pool threads replaced every few runs
// (INFERENCE_THREAD_MAX_RUNS): nothing may crash, and every request gets exactly one right answer. 25 s
// replace the threads dozens of times, which is what the test is about, and keep CI's run short;
// STRESS_SECONDS=600 makes it a soak.
const SECONDS = Number(process.env.STRESS_SECONDS || 25);

interface Ocr {
  text: string;
}

describe(`inference pool under mixed load for ${SECONDS} s (npm start, threads recycled)`, () => {
  let sys: System;
  let sb: ServiceBusClient;
  let pages: TextPage[];
  const pageText = new Map<TextPage, string>();
  const digitLabel = new Map<number, number>();

  beforeAll(async () => {
    sys = await startSystem(undefined, {
      INFERENCE_THREADS: '2',
      INFERENCE_THREAD_MAX_RUNS: '25',
      MODELS: 'mnist,ocr',
    });
    sb = new ServiceBusClient(sys.servicebus);
    pages = await Promise.all(
      [0, 1, 2].map((p) =>
        renderTextPage(`stress-${p}`, [textLine(p * 3), textLine(p * 3 + 1), textLine(p * 3 + 2)]),
      ),
    );
    // What the models answer, once: every later answer, from any trigger, thread or cache, must equal it.
    for (const page of pages) pageText.set(page, (await ocrOverHttp(page, false)).text);
    for (let i = 0; i < 20; i++) digitLabel.set(i, await digitOverHttp(i, false));
  }, 120_000);

  afterAll(async () => {
    await sb?.close();
    expect(await sys?.stop()).toBe(0);
  });

  async function ocrOverHttp(page: TextPage, bypass: boolean): Promise<Ocr> {
    const res = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: {
        'content-type': 'image/png',
        'x-model': 'ocr',
        ...(bypass ? { 'cache-control': 'no-cache' } : {}),
      },
      body: page.png,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Ocr;
  }

  async function digitOverHttp(i: number, bypass: boolean): Promise<number> {
    const res = await fetch(`${sys.url}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bypass ? { 'cache-control': 'no-cache' } : {}) },
      body: JSON.stringify({ data: [row(i)] }),
    });
    if (res.status !== 200) {
      const log = sys.output().slice(-3000);
      expect(res.status, `${await res.text()}\nhost log (end):\n${log}`).toBe(200);
    }
    return ((await res.json()) as number[])[0];
  }

  it(
    'answers every request once and correctly, with no crash, while pool threads are replaced',
    async () => {
      const deadline = Date.now() + SECONDS * 1000;
      let httpAnswers = 0;
      const sent = new Map<string, string | number>();
      const blobs = new Map<string, string | number>();
      const sender = sb.createSender('scoring-requests');

      const ocrClient = async (c: number) => {
        for (let k = 0; Date.now() < deadline; k++) {
          const page = pages[(c + k) % pages.length];
          expect((await ocrOverHttp(page, true)).text).toBe(pageText.get(page));
          httpAnswers++;
        }
      };
      const digitClient = async (c: number) => {
        for (let k = 0; Date.now() < deadline; k++) {
          const i = (c * 7 + k) % 20;
          expect(await digitOverHttp(i, k % 3 === 0)).toBe(digitLabel.get(i));
          httpAnswers++;
        }
      };
      const messages = async () => {
        for (let k = 0; Date.now() < deadline; k++) {
          const page = pages[k % pages.length];
          const i = k % 20;
          await sender.sendMessages([
            { body: { data: [row(i)] }, correlationId: `d-${k}` },
            {
              body: page.png,
              contentType: 'image/png',
              correlationId: `p-${k}`,
              applicationProperties: { model: 'ocr' },
            },
          ]);
          sent.set(`d-${k}`, digitLabel.get(i)!);
          sent.set(`p-${k}`, pageText.get(page)!);
          await new Promise((r) => setTimeout(r, 400));
        }
      };
      const uploads = async () => {
        for (let k = 0; Date.now() < deadline; k++) {
          const i = k % 20;
          await upload(sys.storage, `stress/d-${k}.png`, await png(i));
          blobs.set(`stress/d-${k}.png`, digitLabel.get(i)!);
          const page = pages[k % pages.length];
          await upload(sys.storage, `stress/p-${k}.png`, page.png, 'images', { model: 'ocr' });
          blobs.set(`stress/p-${k}.png`, pageText.get(page)!);
          await new Promise((r) => setTimeout(r, 1000));
        }
      };
      await Promise.all([ocrClient(0), ocrClient(1), digitClient(0), digitClient(1), messages(), uploads()]);
      await sender.close();

      // Every message answered exactly once: replies are read until a quiet spell after the last one.
      const receiver = sb.createReceiver('scoring-replies', { receiveMode: 'receiveAndDelete' });
      const answers = new Map<string, unknown[]>();
      let quietSince = Date.now();
      const until = Date.now() + 60_000;
      while (Date.now() < until && Date.now() - quietSince < 3000) {
        const got = await receiver.receiveMessages(200, { maxWaitTimeInMs: 500 });
        if (got.length > 0) quietSince = Date.now();
        for (const m of got)
          answers.set(String(m.correlationId), [...(answers.get(String(m.correlationId)) ?? []), m.body]);
        if ([...sent.keys()].every((id) => answers.has(id)) && got.length === 0) break;
      }
      await receiver.close();
      const missing = [...sent.keys()].filter((id) => !answers.has(id));
      const doubled = [...answers.entries()].filter(([, bodies]) => bodies.length > 1).map(([id]) => id);
      expect({ missing, doubled }).toEqual({ missing: [], doubled: [] });
      for (const [id, want] of sent) {
        const body = answers.get(id)![0] as { predictions?: number[]; result?: Ocr };
        if (id.startsWith('d-')) expect(body.predictions?.[0], id).toBe(want);
        else expect(body.result?.text, id).toBe(want);
      }

      for (const [name, want] of blobs) {
        const record = (await waitForBlob(sys.storage, 'predictions', `${name}.json`, 30_000)) as {
          label?: number;
          result?: Ocr;
        };
        if (name.includes('/d-')) expect(record.label, name).toBe(want);
        else expect(record.result?.text, name).toBe(want);
      }

      const metrics = await (await fetch(`${sys.url}/metrics`)).text();
      const started = Number(/modelfn_inference_pool_threads_started_total (\d+)/.exec(metrics)?.[1] ?? 0);
      expect(httpAnswers).toBeGreaterThan(20);
      // Two threads at start, then replacements as they reach INFERENCE_THREAD_MAX_RUNS.
      expect(started).toBeGreaterThan(4);
      expect(sent.size).toBeGreaterThan(20);
    },
    (SECONDS + 150) * 1000,
  );
});
