// Logs and metrics per invocation, through the same hooks Azure's app.hook runs.
import azf, { type InvocationContext } from '@azure/functions';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  invocationObserver,
  registerHooks,
  reportOutcome,
  reportScored,
  type HostLogger,
  type InvocationHooks,
} from '../src/index.js';
import { invokeWithHooks, type HookedCall } from './support/hooked-invocation.js';

const { trigger } = azf;

function recordingLogger(debug = false) {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: HostLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (level) => debug || level !== 'debug',
  };
  return { logger, lines };
}

type Fn = Omit<HookedCall, 'input' | 'invocationId'>;

const queue: Fn = {
  name: 'scoreQueue',
  trigger: trigger.serviceBusQueue({ connection: 'Sb', queueName: 'q', cardinality: 'many' }),
  handler: (bodies: unknown, context: InvocationContext) => {
    const list = bodies as string[];
    if (list.includes('throw')) throw new Error('transient');
    for (const b of list) reportScored(context, 'mnist', b);
    if (list.includes('bad')) reportOutcome(context, 'rejected', new Error('one was bad'));
  },
};

const http: Fn = { name: 'score', trigger: trigger.http({}), handler: () => ({ status: 404 }) };

const invokerWith = (hooks: InvocationHooks) => (fn: Fn, call: { input: unknown; invocationId?: string }) =>
  invokeWithHooks(hooks, { ...fn, ...call });

describe('invocationObserver', () => {
  it('logs one line per invocation and counts it by trigger, function and outcome', async () => {
    const registry = new Registry();
    const { logger, lines } = recordingLogger();
    const invoke = invokerWith(invocationObserver({ registry, logger }));
    await invoke(queue, { input: ['hit', 'hit', 'miss'], invocationId: 'inv-1' });
    await invoke(queue, { input: ['hit', 'bad'] });
    await invoke(queue, { input: ['throw'] });

    const ok = lines.find((l) => l.obj.invocationId === 'inv-1');
    expect(ok).toMatchObject({
      level: 'info',
      msg: 'servicebus scoreQueue ok',
      obj: {
        trigger: 'servicebus',
        function: 'scoreQueue',
        model: 'mnist',
        cache: { hit: 2, miss: 1 },
        items: 3,
        outcome: 'ok',
        ms: expect.any(Number),
      },
    });
    expect(lines.find((l) => l.obj.outcome === 'rejected')).toMatchObject({
      level: 'info',
      obj: { error: 'one was bad' },
    });
    expect(lines.find((l) => l.obj.outcome === 'failed')).toMatchObject({
      level: 'error',
      obj: { err: new Error('transient') },
    });

    const text = await registry.metrics();
    for (const outcome of ['ok', 'rejected', 'failed']) {
      expect(text).toContain(
        `modelfn_invocations_total{trigger="servicebus",function="scoreQueue",outcome="${outcome}"} 1`,
      );
      expect(text).toMatch(
        new RegExp(
          `modelfn_invocation_duration_seconds_count\\{trigger="servicebus",function="scoreQueue",outcome="${outcome}"\\} 1`,
        ),
      );
    }
    expect(text).toContain(
      'modelfn_invocation_items_total{trigger="servicebus",function="scoreQueue",model="mnist",cache="hit"} 3',
    );
  });

  it('counts items per answering version (a traffic split), and without the label when none was told', async () => {
    const registry = new Registry();
    const { logger, lines } = recordingLogger();
    const split: Fn = {
      name: 'scoreQueue',
      trigger: trigger.serviceBusQueue({ connection: 'Sb', queueName: 'q', cardinality: 'many' }),
      handler: (answers: unknown, context: InvocationContext) => {
        for (const [version, cache] of answers as [string, string][])
          reportScored(context, 'split', cache, version || undefined);
      },
    };
    const invoke = invokerWith(invocationObserver({ registry, logger }));
    await invoke(split, {
      input: [
        ['1', 'miss'],
        ['1', 'hit'],
        ['2', 'miss'],
        ['1', 'miss'],
        ['', 'miss'],
      ],
    });
    const text = await registry.metrics();
    const series = (labels: string) =>
      `modelfn_invocation_items_total{trigger="servicebus",function="scoreQueue",${labels}}`;
    expect(text).toContain(`${series('model="split",version="1",cache="miss"')} 2`);
    expect(text).toContain(`${series('model="split",version="1",cache="hit"')} 1`);
    expect(text).toContain(`${series('model="split",version="2",cache="miss"')} 1`);
    expect(text).toContain(`${series('model="split",cache="miss"')} 1`);
    // The log line still names the model once, with the batch's cache outcomes.
    expect(lines[0].obj).toMatchObject({ model: 'split', cache: { miss: 4, hit: 1 }, items: 5 });
  });

  it('takes an HTTP outcome from the status, and logs successful HTTP invocations at debug only', async () => {
    const registry = new Registry();
    const { logger, lines } = recordingLogger();
    const invoke = invokerWith(invocationObserver({ registry, logger }));
    await invoke(http, { input: {} });
    expect(await registry.metrics()).toContain(
      'modelfn_invocations_total{trigger="http",function="score",outcome="rejected"} 1',
    );
    expect(lines).toHaveLength(1);

    const quiet: Fn = { name: 'live', trigger: trigger.http({}), handler: () => ({ status: 200 }) };
    await invoke(quiet, { input: {} });
    expect(lines).toHaveLength(1);
    const verbose = recordingLogger(true);
    await invokerWith(invocationObserver({ registry, logger: verbose.logger }))(quiet, { input: {} });
    expect(verbose.lines).toMatchObject([{ level: 'debug', obj: { trigger: 'http', outcome: 'ok' } }]);
  });

  it('registers the same hooks with the Functions library (app.hook)', () => {
    const registered: string[] = [];
    const observer = invocationObserver({ registry: new Registry(), logger: recordingLogger().logger });
    registerHooks(
      {
        preInvocation: (h) => registered.push(`pre ${h === observer.pre[0]}`),
        postInvocation: (h) => registered.push(`post ${h === observer.post[0]}`),
      },
      observer,
    );
    expect(registered).toEqual(['pre true', 'post true']);
  });
});
