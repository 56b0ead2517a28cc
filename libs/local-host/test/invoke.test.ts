// The one invocation model: context, log bridge, hooks and outcomes, for any trigger.
import azf, {
  type InvocationContext,
  type PostInvocationContext,
  type PreInvocationContext,
} from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { HostLogger } from '@modelfn/functions';
import { createInvoker, mountFunction } from '../src/invocation/invoke.js';
import { outputValues } from '../src/invocation/outputs.js';

const { trigger, output } = azf;

function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: HostLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const blobTrigger = trigger.storageBlob({ path: 'in/{name}', connection: 'Storage' });

describe('createInvoker', () => {
  it('builds the context from the mounted function and the call, and bridges its logs', async () => {
    const { logger, lines } = recordingLogger();
    const fn = mountFunction(
      {
        name: 'f',
        options: {
          path: 'in/{name}',
          connection: 'Storage',
          handler: (input: unknown, context: InvocationContext) => {
            context.warn('got', input);
            context.log('%d items', 3);
            return { seen: context.triggerMetadata?.name, retry: context.retryContext?.retryCount };
          },
        },
      },
      blobTrigger,
    );
    const done = await createInvoker({ logger })(fn, {
      input: 'x',
      invocationId: 'id-1',
      triggerMetadata: { name: 'a.png' },
      retryContext: { retryCount: 2, maxRetryCount: 4 },
      logFields: { blob: 'in/a.png' },
    });
    expect(done).toMatchObject({ ok: true, result: { seen: 'a.png', retry: 2 } });
    expect(done.context).toBeInstanceOf(azf.InvocationContext);
    expect(done.context.options.trigger.type).toBe('blobTrigger');
    expect(lines).toEqual([
      { level: 'warn', obj: { functionName: 'f', invocationId: 'id-1', blob: 'in/a.png' }, msg: 'got x' },
      { level: 'info', obj: { functionName: 'f', invocationId: 'id-1', blob: 'in/a.png' }, msg: '3 items' },
    ]);
  });

  it('runs pre hooks (which may swap inputs and handler) and post hooks (which may swap the outcome), sharing hookData', async () => {
    const { logger } = recordingLogger();
    const order: string[] = [];
    const fn = mountFunction(
      { name: 'g', options: { path: 'in/{name}', connection: 'S', handler: () => 'original' } },
      blobTrigger,
    );
    const invoke = createInvoker({
      logger,
      hooks: {
        pre: [
          (p: PreInvocationContext) => {
            order.push(`pre ${p.invocationContext.functionName} ${String(p.inputs[0])}`);
            p.hookData.mark = 42;
            p.inputs = ['swapped'];
            p.functionHandler = (input: unknown) => `handled ${String(input)}`;
          },
        ],
        post: [
          (p: PostInvocationContext) => {
            order.push(`post ${String(p.result)} ${String(p.hookData.mark)} ${String(p.inputs[0])}`);
            if (p.result === 'handled swapped') p.error = new Error('vetoed');
          },
        ],
      },
    });
    const done = await invoke(fn, { input: 'in' });
    expect(order).toEqual(['pre g in', 'post handled swapped 42 swapped']);
    expect(done).toMatchObject({ ok: false, error: new Error('vetoed') });
  });

  it('reports a throwing handler as a failure the post hooks see, and lets them recover it', async () => {
    const { logger } = recordingLogger();
    const fn = mountFunction(
      {
        name: 'h',
        options: {
          path: 'in/{name}',
          connection: 'S',
          handler: () => {
            throw new Error('boom');
          },
        },
      },
      blobTrigger,
    );
    const seen: unknown[] = [];
    const failing = await createInvoker({ logger, hooks: { post: [(p) => void seen.push(p.error)] } })(fn, {
      input: 1,
    });
    expect(failing).toMatchObject({ ok: false, error: new Error('boom') });
    expect(seen).toEqual([new Error('boom')]);
    const recovering = createInvoker({
      logger,
      hooks: {
        post: [
          (p) => {
            p.error = undefined;
            p.result = 'fallback';
          },
        ],
      },
    });
    expect(await recovering(fn, { input: 1 })).toMatchObject({ ok: true, result: 'fallback' });
  });
});

describe('outputValues', () => {
  it('collects the return value and the extra outputs the handler set, skipping unset ones', async () => {
    const ret = output.storageBlob({ path: 'out/{name}.json', connection: 'S' });
    const extra = output.storageBlob({ path: 'out/{name}.err', connection: 'S' });
    const unused = output.storageBlob({ path: 'out/{name}.x', connection: 'S' });
    const fn = mountFunction(
      {
        name: 'o',
        options: {
          path: 'in/{name}',
          connection: 'S',
          return: ret,
          extraOutputs: [extra, unused],
          handler: (_: unknown, context: InvocationContext) => {
            context.extraOutputs.set(extra, 'err');
            return { ok: true };
          },
        },
      },
      blobTrigger,
    );
    const done = await createInvoker({ logger: recordingLogger().logger })(fn, { input: null });
    if (!done.ok) throw done.error;
    expect(outputValues(done.context, done.result, ret, [extra, unused])).toEqual([
      { output: ret, value: { ok: true } },
      { output: extra, value: 'err' },
    ]);
    expect(outputValues(done.context, undefined, ret, [])).toEqual([]);
  });
});
