import type { LoggerProvider } from '@opentelemetry/api-logs';

/**
 * `@azure/functions-opentelemetry-instrumentation` on the `@azure/functions` module this app uses. The
 * instrumentation patches the module through require hooks, which never see it in an app bundle (the
 * library is bundled into dist/main.js) nor in an ES module import; so its patch is applied to the module
 * directly. The patch tells the host that the worker sends its own logs (`WorkerOpenTelemetryEnabled`, so
 * the host does not send `context.log` lines a second time), binds each invocation's handler to the trace
 * context the Functions host passes (`context.traceContext`: the host's span for the invocation), and sends
 * `context.log` lines as OpenTelemetry logs through `loggerProvider`.
 */
export async function instrumentFunctions(loggerProvider: LoggerProvider | undefined): Promise<void> {
  const [{ AzureFunctionsInstrumentation }, functions] = await Promise.all([
    import('@azure/functions-opentelemetry-instrumentation'),
    import('@azure/functions'),
  ]);
  // A bundled or CommonJS module may come as the namespace's default export.
  const mod = (
    'app' in functions ? functions : (functions as { default: typeof functions }).default
  ) as unknown;
  // enabled: false, so no require hook is installed; the definitions' patch is all that is wanted.
  const instrumentation = new AzureFunctionsInstrumentation({ enabled: false });
  // Its logger would come from the global provider when it was made; given explicitly, so that the order of
  // registration does not matter.
  if (loggerProvider) instrumentation.setLoggerProvider(loggerProvider);
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(mod, undefined);
}
