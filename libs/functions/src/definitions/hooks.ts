import type { PostInvocationHandler, PreInvocationHandler } from '@azure/functions';

/**
 * Cross-cutting work around every invocation, whatever its trigger: the same handler types as
 * `app.hook.preInvocation` / `app.hook.postInvocation`, so one hook runs in Azure (registered with the
 * Functions library) and in the local host (passed to its sources) alike.
 */
export interface InvocationHooks {
  pre?: readonly PreInvocationHandler[];
  post?: readonly PostInvocationHandler[];
}
