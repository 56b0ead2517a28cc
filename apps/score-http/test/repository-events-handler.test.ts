// POST /repository/events, the Event Grid webhook of a blob model repository (issue 27 item 3), with a
// stand-in scorer whose repository.poll() is counted and ended by hand: Event Grid's handshakes, which
// events make the host read the repository (its container and prefix, the event types that change blobs,
// both schemas), the refusal outside MODEL_CONTROL_MODE=poll, bursts folded into few reads, and the bounded
// wait. The real read on Azurite is repository-events.test.ts.
import { HttpRequest } from '@azure/functions';
import { ScoringError, type Scorer, type Settings } from '@modelfn/scoring';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { repositoryEventsHandler } from '../src/repository-events/events-handler.js';
import { PollCoalescer } from '../src/repository-events/poll-coalescer.js';
import { judgeEvent, readEvents, validationCode } from '../src/repository-events/storage-events.js';
import type { RequestScope } from '../src/request-scope.js';

const place = { container: 'models', prefix: '' };
const subject = (container: string, blob: string) =>
  `/blobServices/default/containers/${container}/blobs/${blob}`;
const event = (type: string, s: string) => ({ id: '1', eventType: type, subject: s, data: {} });
const created = (blob: string, container = 'models') =>
  event('Microsoft.Storage.BlobCreated', subject(container, blob));

describe('reading a delivery', () => {
  it('takes the Event Grid schema (an array) and CloudEvents (one or a batch), refusing what has no type', () => {
    expect(readEvents([created('a'), created('b')])).toHaveLength(2);
    const cloud = {
      specversion: '1.0',
      type: 'Microsoft.Storage.BlobDeleted',
      subject: subject('models', 'a'),
    };
    expect(readEvents(cloud)).toEqual([cloud]);
    for (const bad of [[{ id: '1' }], [created('a'), 7], 'text', null])
      expect(() => readEvents(bad), JSON.stringify(bad)).toThrow(ScoringError);
  });

  it("finds the handshake's validation code, in either schema (a CloudEvent's data may be a JSON string)", () => {
    const validation = 'Microsoft.EventGrid.SubscriptionValidationEvent';
    expect(validationCode([{ eventType: validation, data: { validationCode: 'c-1' } }])).toBe('c-1');
    expect(validationCode({ specversion: '1.0', type: validation, data: '{"validationCode":"c-2"}' })).toBe(
      'c-2',
    );
    expect(() => validationCode([{ eventType: validation, data: {} }])).toThrow(/validationCode/);
  });
});

describe('judgeEvent', () => {
  it('reads the repository on blob and directory changes in its container', () => {
    for (const type of [
      'Microsoft.Storage.BlobCreated',
      'Microsoft.Storage.BlobDeleted',
      'Microsoft.Storage.BlobRenamed',
      'Microsoft.Storage.DirectoryDeleted',
    ])
      expect(judgeEvent(event(type, subject('models', 'plus/2/model.onnx')), place)).toEqual({
        poll: true,
        blob: 'plus/2/model.onnx',
        type,
      });
    const cloud = {
      specversion: '1.0',
      type: 'Microsoft.Storage.BlobCreated',
      subject: subject('models', 'a'),
    };
    expect(judgeEvent(cloud, place)).toMatchObject({ poll: true, blob: 'a' });
  });

  it('ignores other containers, blobs outside the prefix, and event types that change no blob', () => {
    expect(judgeEvent(created('x.png', 'images'), place)).toEqual({
      poll: false,
      why: 'container "images" is not the repository\'s ("models")',
    });
    const prefixed = { container: 'models', prefix: 'prod' };
    expect(judgeEvent(created('prod/plus/1/model.onnx'), prefixed).poll).toBe(true);
    expect(judgeEvent(created('production/plus/1/model.onnx'), prefixed)).toMatchObject({
      poll: false,
      why: expect.stringContaining('outside the repository\'s prefix "prod/"'),
    });
    expect(
      judgeEvent(event('Microsoft.Storage.BlobTierChanged', subject('models', 'a')), place),
    ).toMatchObject({ poll: false, why: expect.stringContaining('changes no blob') });
    expect(judgeEvent(event('Microsoft.Storage.BlobCreated', '/elsewhere'), place)).toMatchObject({
      poll: false,
      why: expect.stringContaining('names no blob'),
    });
  });
});

/** A scorer with these settings whose repository counts reads; each read ends when `finish()` is called. */
function fakeScorer(settings: Partial<Settings> = {}) {
  const running: (() => void)[] = [];
  let started = 0;
  const scorer = {
    settings: {
      modelControlMode: 'poll',
      modelRepository: 'blob:models',
      maxRequestBytes: 1 << 20,
      ...settings,
    },
    repository: {
      poll: () =>
        new Promise<void>((resolve) => {
          started++;
          running.push(resolve);
        }),
    },
  } as unknown as Scorer;
  return {
    scorer,
    /** Reads started so far. */
    get polls() {
      return started;
    },
    /** Ends the oldest read still running. */
    finish: () => running.shift()!(),
  };
}

const scope = { requestId: 'r', log: pino({ level: 'silent' }) } as RequestScope;

function post(
  body: unknown,
  eventType = 'Notification',
  method = 'POST',
  headers: Record<string, string> = {},
) {
  return new HttpRequest({
    method,
    url: 'http://127.0.0.1/repository/events?code=k',
    headers: { 'aeg-event-type': eventType, 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body: { string: JSON.stringify(body) } } : {}),
  });
}

const tick = () => new Promise((r) => setImmediate(r));

describe('repositoryEventsHandler', () => {
  it("answers Event Grid's handshakes without reading anything", async () => {
    const fake = fakeScorer();
    const handle = repositoryEventsHandler(async () => fake.scorer);
    const validation = [
      { eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'abc' } },
    ];
    const answer = await handle(post(validation, 'SubscriptionValidation'), scope);
    expect([answer.status, answer.jsonBody]).toEqual([200, { validationResponse: 'abc' }]);
    const options = await handle(
      post(undefined, '', 'OPTIONS', { 'webhook-request-origin': 'eventgrid.azure.net' }),
      scope,
    );
    expect([options.status, options.headers['webhook-allowed-origin']]).toEqual([200, 'eventgrid.azure.net']);
    // Unsubscribe is taken whatever its body, as the Functions host takes it.
    const unsubscribe = new HttpRequest({
      method: 'POST',
      url: 'http://127.0.0.1/repository/events',
      headers: { 'aeg-event-type': 'Unsubscribe' },
    });
    expect((await handle(unsubscribe, scope)).status).toBe(202);
    await expect(handle(post([created('a')], 'Something'), scope)).rejects.toThrow(/aeg-event-type/);
    expect(fake.polls).toBe(0);
  });

  it('reads the repository once for the changes of a delivery, and answers 200 once it is read', async () => {
    const fake = fakeScorer();
    const handle = repositoryEventsHandler(async () => fake.scorer);
    let answered = false;
    const run = handle(
      post([created('plus/2/model.onnx'), created('plus/config.json'), created('x', 'images')]),
      scope,
    );
    void run.then(() => (answered = true));
    await tick();
    expect([fake.polls, answered]).toEqual([1, false]);
    fake.finish();
    const answer = await run;
    expect([answer.status, answer.jsonBody]).toEqual([200, { events: 3, changes: 2, repository: 'read' }]);
  });

  it('does not read the repository for events of another container', async () => {
    const fake = fakeScorer();
    const answer = await repositoryEventsHandler(async () => fake.scorer)(
      post([created('a', 'images')]),
      scope,
    );
    expect([answer.status, answer.jsonBody]).toEqual([
      200,
      { events: 1, changes: 0, repository: 'unchanged' },
    ]);
    expect(fake.polls).toBe(0);
  });

  it('refuses 400 MODEL_CONTROL_DISABLED outside poll mode or for a folder (Event Grid does not retry a 400)', async () => {
    for (const settings of [
      { modelControlMode: 'none' as const },
      { modelControlMode: 'explicit' as const },
      { modelRepository: '/srv/models' },
    ]) {
      const fake = fakeScorer(settings);
      const failure = repositoryEventsHandler(async () => fake.scorer)(post([created('a')]), scope);
      await expect(failure).rejects.toMatchObject({
        code: 'MODEL_CONTROL_DISABLED',
        status: 400,
        message: settings.modelRepository
          ? expect.stringMatching(/MODEL_REPOSITORY is a folder/)
          : expect.stringMatching(/MODEL_CONTROL_MODE=(none|explicit)/),
      });
      expect(fake.polls).toBe(0);
    }
  });

  it('folds a burst of deliveries into one read after the running one', async () => {
    const fake = fakeScorer();
    const handle = repositoryEventsHandler(async () => fake.scorer);
    const first = handle(post([created('a')]), scope);
    await tick();
    expect(fake.polls).toBe(1);
    // Five more while the first read runs: they share one read, started when the first ends.
    const burst = Array.from({ length: 5 }, (_, i) => handle(post([created(`b${i}`)]), scope));
    await tick();
    expect(fake.polls).toBe(1);
    fake.finish();
    await first;
    await tick();
    expect(fake.polls).toBe(2);
    fake.finish();
    expect((await Promise.all(burst)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(fake.polls).toBe(2);
  });

  it('answers 202 after waitMs when the read takes longer, and the read goes on', async () => {
    const fake = fakeScorer();
    const answer = await repositoryEventsHandler(async () => fake.scorer, { waitMs: 0 })(
      post([created('a')]),
      scope,
    );
    expect([answer.status, answer.jsonBody]).toEqual([202, { events: 1, changes: 1, repository: 'reading' }]);
    expect(fake.polls).toBe(1);
    fake.finish();
  });
});

describe('PollCoalescer', () => {
  it('starts a read at once when none runs, and again after one has ended', async () => {
    let polls = 0;
    const c = new PollCoalescer(async () => void polls++);
    await c.request();
    await c.request();
    expect(polls).toBe(2);
  });

  it('runs the follow-up read even when the running one failed', async () => {
    const results: (() => void)[] = [];
    let calls = 0;
    const c = new PollCoalescer(
      () =>
        new Promise<void>((resolve, reject) => {
          calls++;
          results.push(calls === 1 ? () => reject(new Error('storage down')) : resolve);
        }),
    );
    const first = c.request();
    const second = c.request();
    results[0]();
    await expect(first).rejects.toThrow('storage down');
    await tick();
    expect(calls).toBe(2);
    results[1]();
    await second;
  });
});
