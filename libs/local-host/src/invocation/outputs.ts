import type { FunctionOutput, InvocationContext } from '@azure/functions';

/**
 * The output values of a finished invocation, as the library's InvocationModel.getResponse collects them:
 * the return value for the `return` binding, then each extra output the handler set. Unset (undefined or
 * null) values are left out: nothing is written for them.
 */
export function outputValues<T extends FunctionOutput>(
  context: InvocationContext,
  result: unknown,
  returnOutput: T | undefined,
  extraOutputs: readonly T[],
): { output: T; value: unknown }[] {
  const values: { output: T; value: unknown }[] = [];
  if (returnOutput && result !== undefined && result !== null)
    values.push({ output: returnOutput, value: result });
  for (const output of extraOutputs) {
    const value = context.extraOutputs.get(output);
    if (value !== undefined && value !== null) values.push({ output, value });
  }
  return values;
}
