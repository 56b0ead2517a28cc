import type {
  FunctionHandler,
  InvocationContext,
  PostInvocationContext,
  PreInvocationContext,
} from '@azure/functions';

/**
 * The hook contexts as the Functions worker builds them: `hookData` shared by the pre and post hooks of one
 * invocation; a pre hook may replace the inputs or the handler, a post hook the result or the error.
 * Plain objects with the library's public surface: its classes keep their fields in module-wide WeakMaps,
 * which the local host avoids on its hot path (see local-context.ts).
 */
export function preContext(
  invocationContext: InvocationContext,
  hookData: Record<string, unknown>,
  inputs: unknown[],
  functionHandler: FunctionHandler,
): PreInvocationContext {
  return { hookData, invocationContext, inputs, functionHandler } as PreInvocationContext;
}

export function postContext(
  invocationContext: InvocationContext,
  hookData: Record<string, unknown>,
  inputs: unknown[],
  result: unknown,
  error: unknown,
): PostInvocationContext {
  return { hookData, invocationContext, inputs, result, error } as PostInvocationContext;
}
