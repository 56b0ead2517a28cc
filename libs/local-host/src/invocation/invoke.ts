import { randomUUID } from 'node:crypto';
import type {
  EffectiveFunctionOptions,
  FunctionHandler,
  FunctionOptions,
  FunctionOutput,
  FunctionTrigger,
  InvocationContext,
  RetryContext,
} from '@azure/functions';
import type { FunctionDefinition, HostLogger, InvocationHooks } from '@modelfn/functions';
// The deadlines alone, not the package's index: the index's trigger adapter loads the scoring core
// (onnxruntime, sharp, pdf.js), which an HTTP-only primary that serves nothing never needs (0.4 s of its
// start under tsx, measured).
import { deadlines } from '@modelfn/functions/deadlines';
import { postContext, preContext } from './hook-contexts.js';
import { logHandlerFor } from './log-handler.js';
import { newInvocationContext } from './local-context.js';

/** A function ready to be invoked: its handler and the bindings a Functions host would describe. */
export interface MountedFunction {
  readonly name: string;
  readonly handler: FunctionHandler;
  readonly options: EffectiveFunctionOptions;
}

/**
 * Built once per function when a source starts. `trigger` is the binding the source serves (from the
 * library's `trigger.*` helpers); `implicitReturn` is the output the trigger has without declaring one
 * (an HTTP function's response).
 */
export function mountFunction<T extends Partial<FunctionOptions>>(
  definition: FunctionDefinition<T>,
  trigger: FunctionTrigger,
  implicitReturn?: FunctionOutput,
): MountedFunction {
  const o = definition.options;
  if (typeof o.handler !== 'function') throw new Error(`function "${definition.name}" has no handler`);
  return {
    name: definition.name,
    handler: o.handler,
    options: {
      trigger: o.trigger ?? trigger,
      return: o.return ?? implicitReturn,
      extraInputs: o.extraInputs ?? [],
      extraOutputs: o.extraOutputs ?? [],
    },
  };
}

/** What a source knows about one invocation besides the function. */
export interface InvocationCall {
  /** The trigger value the handler gets first (request, blob bytes, message bodies). */
  input: unknown;
  triggerMetadata?: Record<string, unknown>;
  retryContext?: RetryContext;
  /** Default: a fresh UUID. */
  invocationId?: string;
  /** Added to every line the handler logs through its context (e.g. the blob's path). */
  logFields?: Record<string, unknown>;
}

/**
 * How an invocation ended, for the source to settle by its trigger's rules (write the response or a 500,
 * write outputs or retry, complete or abandon). `context` carries the extra outputs the handler set.
 */
export type Invocation =
  | { ok: true; result: unknown; context: InvocationContext }
  | { ok: false; error: unknown; context: InvocationContext };

export interface Invoker {
  (fn: MountedFunction, call: InvocationCall): Promise<Invocation>;
}

export interface InvokerOptions {
  logger: HostLogger;
  hooks?: InvocationHooks;
  /**
   * host.json's `functionTimeout` (see functionTimeoutFromHostJson); undefined: unbounded. Past it the
   * invocation fails with a TIMEOUT error, as the Functions host fails it, and the source settles it as
   * any failure (a blob retried, a message abandoned or released).
   */
  functionTimeoutMs?: number;
}

/** What an invocation past functionTimeout fails with (`code` as the scoring errors have theirs). */
export class FunctionTimeoutError extends Error {
  readonly code = 'TIMEOUT';
  constructor(functionName: string, ms: number) {
    super(
      `function ${functionName} did not finish within functionTimeout (${ms} ms, host.json); ` +
        'its handler was left running and its result will be dropped. Raise functionTimeout, or find what the handler waits for',
    );
    this.name = 'FunctionTimeoutError';
  }
}

/**
 * The one invocation model of the local host, after the Functions library's InvocationModel and the
 * worker's hook runner: build the InvocationContext with its log bridge, run the pre-invocation hooks
 * (which may swap the inputs or the handler), call the handler, run the post-invocation hooks (which may
 * swap the result or the error), and hand back how it ended. Every source (HTTP, blob, Service Bus) calls
 * its functions through this.
 */
export function createInvoker({ logger, hooks = {}, functionTimeoutMs }: InvokerOptions): Invoker {
  const pre = hooks.pre ?? [];
  const post = hooks.post ?? [];
  return async (fn, call) => {
    const invocationId = call.invocationId ?? randomUUID();
    const context = newInvocationContext({
      invocationId,
      functionName: fn.name,
      options: fn.options,
      triggerMetadata: call.triggerMetadata,
      retryContext: call.retryContext,
      logHandler: logHandlerFor(logger, { functionName: fn.name, invocationId, ...call.logFields }),
    });
    let inputs = [call.input];
    let handler = fn.handler;
    const hookData: Record<string, unknown> = {};
    let result: unknown;
    let error: unknown;
    let failed = false;
    try {
      if (pre.length > 0) {
        const p = preContext(context, hookData, inputs, handler);
        for (const hook of pre) await hook(p);
        inputs = p.inputs;
        handler = p.functionHandler;
      }
      // As the worker calls it: the trigger inputs, then the context.
      const call = (async () => (handler as (...args: unknown[]) => unknown)(...inputs, context))();
      // The handler cannot be stopped from here (the Functions host restarts its worker process instead); its
      // late outcome is dropped, and the model timeouts of the scoring path have stopped a stuck script by then.
      result = await deadlines.within(
        call,
        functionTimeoutMs ?? Infinity,
        () => new FunctionTimeoutError(fn.name, functionTimeoutMs ?? Infinity),
      );
    } catch (e) {
      failed = true;
      error = e;
    }
    if (post.length > 0) {
      const p = postContext(context, hookData, inputs, result, failed ? error : undefined);
      try {
        for (const hook of post) await hook(p);
        result = p.result;
        error = p.error;
        failed = error !== undefined && error !== null;
      } catch (e) {
        failed = true;
        error = e;
      }
    }
    return failed ? { ok: false, error, context } : { ok: true, result, context };
  };
}
