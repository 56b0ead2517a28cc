/**
 * `@azure/functions-opentelemetry-instrumentation` on the `@azure/functions` module this app uses. The
 * instrumentation patches the module through require hooks, which never see it in an app bundle (the
 * library is bundled into dist/main.js) nor in an ES module import; so its patch is applied to the module
 * directly. The patch binds each invocation's handler to the trace context the Functions host passes
 * (`context.traceContext`, from the caller's traceparent or the message's Diagnostic-Id), and sends
 * `context.log` lines as OpenTelemetry logs.
 */
export async function instrumentFunctions(): Promise<void> {
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
  for (const definition of instrumentation.getModuleDefinitions()) definition.patch?.(mod, undefined);
}
