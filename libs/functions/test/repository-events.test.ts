// The Event Grid poke of a blob model repository (issue 27 item 3), with a stand-in scorer whose
// repository.poll() is counted and released by hand: which events poll (the repository's container and
// prefix, the event types that change blobs, both schemas), which are ignored and why, the refusal outside
// MODEL_CONTROL_MODE=poll, bursts folded into few polls, and the bounded wait. The real poll on Azurite is
// apps/score-http/test/repository-events.test.ts.
import azf, { type InvocationContext, type LogLevel } from '@azure/functions';
import type { Scorer, Settings } from '@modelfn/scoring';
import { describe, expect, it } from 'vitest';
import { invocationReport } from '../src/observe/invocation-report.js';
import { PollCoalescer } from '../src/repository/poll-coalescer.js';
import { judgeEvent, repositoryEventsFunction } from '../src/repository/repository-events.js';

const { InvocationContext: Context } = azf;

const place = { container: 'models', prefix: '' };
const subject = (container: string, blob: string) =>
  `/blobServices/default/containers/${container}/blobs/${blob}`;
const event = (type: string, s: string) => ({ id: '1', eventType: type, subject: s, data: {} });

describe('judgeEvent', () => {
  it('polls on blob and directory changes in the repository container, in either schema', () => {
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

  it('ignores other containers, blobs outside the prefix, other event types and what is no event', () => {
    const created = (c: string, b: string) => event('Microsoft.Storage.BlobCreated', subject(c, b));
    expect(judgeEvent(created('images', 'x.png'), place)).toEqual({
      poll: false,
      why: 'container "images" is not the repository\'s ("models")',
    });
    const prefixed = { container: 'models', prefix: 'prod' };
    expect(judgeEvent(created('models', 'prod/plus/1/model.onnx'), prefixed).poll).toBe(true);
    expect(judgeEvent(created('models', 'prod'), prefixed).poll).toBe(true);
    expect(judgeEvent(created('models', 'production/plus/1/model.onnx'), prefixed)).toMatchObject({
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
    expect(judgeEvent(null, place).poll).toBe(false);
  });
});

/** A scorer with these settings whose repository counts polls; each poll ends when `finish()` is called. */
function fakeScorer(settings: Partial<Settings>) {
  const running: (() => void)[] = [];
  let started = 0;
  const scorer = {
    settings: { modelControlMode: 'poll', modelRepository: 'blob:models', ...settings },
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
    /** Polls started so far. */
    get polls() {
      return started;
    },
    /** Ends the oldest poll still running. */
    finish: () => running.shift()!(),
  };
}

function contextOf(logs: [LogLevel, string][]): InvocationContext {
  return new Context({
    functionName: 'modelRepositoryEvents',
    invocationId: crypto.randomUUID(),
    logHandler: (level, ...args) => logs.push([level, args.map(String).join(' ')]),
  });
}

const tick = () => new Promise((r) => setImmediate(r));

describe('repositoryEventsFunction', () => {
  const created = event('Microsoft.Storage.BlobCreated', subject('models', 'plus/2/model.onnx'));

  it('polls the repository for an event of its container and answers once the poll is done', async () => {
    const fake = fakeScorer({});
    const fn = repositoryEventsFunction({ scorer: async () => fake.scorer });
    const logs: [LogLevel, string][] = [];
    const context = contextOf(logs);
    let answered = false;
    const run = Promise.resolve(fn.options.handler(created as never, context)).then(() => (answered = true));
    await tick();
    expect(fake.polls).toBe(1);
    expect(answered).toBe(false);
    fake.finish();
    await run;
    expect(invocationReport(context)?.fields).toEqual({
      blob: 'plus/2/model.onnx',
      eventType: 'Microsoft.Storage.BlobCreated',
    });
    expect(fn.name).toBe('modelRepositoryEvents');
  });

  it('ignores events of another container without polling', async () => {
    const fake = fakeScorer({});
    const fn = repositoryEventsFunction({ scorer: async () => fake.scorer });
    const context = contextOf([]);
    await fn.options.handler(
      event('Microsoft.Storage.BlobCreated', subject('images', 'a.png')) as never,
      context,
    );
    expect(fake.polls).toBe(0);
    expect(invocationReport(context)?.fields.ignored).toMatch(/container "images"/);
  });

  it('acknowledges and ignores, with a warning naming the setting, outside poll mode or for a folder', async () => {
    for (const settings of [
      { modelControlMode: 'none' as const },
      { modelControlMode: 'explicit' as const },
      { modelRepository: '/srv/models' },
    ]) {
      const fake = fakeScorer(settings);
      const fn = repositoryEventsFunction({ scorer: async () => fake.scorer });
      const logs: [LogLevel, string][] = [];
      const context = contextOf(logs);
      await fn.options.handler(created as never, context);
      expect(fake.polls).toBe(0);
      expect(invocationReport(context)?.outcome).toBe('rejected');
      const [level, text] = logs[0];
      expect(level).toBe('warning');
      expect(text).toMatch(
        settings.modelRepository ? /MODEL_REPOSITORY is a folder/ : /MODEL_CONTROL_MODE=(none|explicit)/,
      );
    }
  });

  it('folds a burst of events into one poll after the running one', async () => {
    const fake = fakeScorer({});
    const fn = repositoryEventsFunction({ scorer: async () => fake.scorer });
    const first = fn.options.handler(created as never, contextOf([]));
    await tick();
    expect(fake.polls).toBe(1);
    // Five more while the first poll runs: they share one poll, started when the first ends.
    const burst = Array.from({ length: 5 }, () => fn.options.handler(created as never, contextOf([])));
    await tick();
    expect(fake.polls).toBe(1);
    fake.finish();
    await first;
    await tick();
    expect(fake.polls).toBe(2);
    fake.finish();
    await Promise.all(burst);
    expect(fake.polls).toBe(2);
  });

  it('answers after waitMs when the poll takes longer, and the poll goes on', async () => {
    const fake = fakeScorer({});
    const fn = repositoryEventsFunction({ scorer: async () => fake.scorer, waitMs: 0 });
    const logs: [LogLevel, string][] = [];
    await fn.options.handler(created as never, contextOf(logs));
    expect(fake.polls).toBe(1);
    expect(logs).toEqual([
      ['information', expect.stringContaining('goes on after this event was acknowledged')],
    ]);
    fake.finish();
  });
});

describe('PollCoalescer', () => {
  it('starts a poll at once when none runs, and again after one has ended', async () => {
    let polls = 0;
    const c = new PollCoalescer(async () => void polls++);
    await c.request();
    await c.request();
    expect(polls).toBe(2);
  });

  it('runs the follow-up poll even when the running one failed', async () => {
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
