// The parts of an InvocationContext the apps use, as the worker would hand them over.
export function invocationContext(functionName, triggerMetadata = {}) {
  const outputs = new Map();
  const log = () => undefined;
  return {
    invocationId: `probe-${functionName}`,
    functionName,
    triggerMetadata,
    extraOutputs: { set: (o, v) => outputs.set(o, v), get: (o) => outputs.get(o) },
    log,
    trace: log,
    debug: log,
    info: log,
    warn: log,
    error: log,
  };
}

export function handlerOf(registered, name) {
  const found = registered.find((r) => r.metadata.name === name);
  if (!found) throw new Error(`function ${name} was not registered`);
  return found.callback;
}
