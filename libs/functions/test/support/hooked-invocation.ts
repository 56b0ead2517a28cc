import azf, {
  type FunctionHandler,
  type FunctionTrigger,
  type InvocationContext,
  type LogHandler,
} from '@azure/functions';
import type { InvocationHooks } from '../../src/definitions/hooks.js';

const { InvocationContext: Context, PreInvocationContext, PostInvocationContext } = azf;

export interface HookedCall {
  name: string;
  trigger: FunctionTrigger;
  handler: FunctionHandler;
  input?: unknown;
  invocationId?: string;
  logHandler?: LogHandler;
}

/**
 * One invocation as the Functions worker runs it for `app.hook` registrations, with the library's own
 * context classes: the pre hooks, the handler (a throw becomes the post hooks' error), the post hooks.
 * This library may not depend on the local host, whose invoker does the same on its hot path.
 */
export async function invokeWithHooks(
  hooks: InvocationHooks,
  call: HookedCall,
): Promise<{ context: InvocationContext; result: unknown; error: unknown }> {
  const context = new Context({
    invocationId: call.invocationId ?? crypto.randomUUID(),
    functionName: call.name,
    options: { trigger: call.trigger },
    logHandler: call.logHandler ?? (() => {}),
  });
  const hookData: Record<string, unknown> = {};
  const pre = new PreInvocationContext({
    invocationContext: context,
    inputs: [call.input],
    functionCallback: call.handler,
    hookData,
  });
  for (const hook of hooks.pre ?? []) await hook(pre);
  let result: unknown;
  let error: unknown;
  try {
    result = await (pre.functionHandler as (...args: unknown[]) => unknown)(...pre.inputs, context);
  } catch (e) {
    error = e;
  }
  const post = new PostInvocationContext({
    invocationContext: context,
    inputs: pre.inputs,
    result,
    error,
    hookData,
  });
  for (const hook of hooks.post ?? []) await hook(post);
  return { context, result: post.result, error: post.error };
}
