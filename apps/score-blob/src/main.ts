// Azure Functions entry point (package.json "main"): registers the app's function definitions with the host.
import './telemetry.js';
import { app } from '@azure/functions';
import { createAppLogger, invocationObserver, registerHooks } from '@modelfn/functions';
import { registry } from '@modelfn/scoring';
import { blobFunctions } from './functions.js';

for (const f of blobFunctions) app.storageBlob(f.name, f.options);
// One log line and the trigger-wide metrics per invocation, as the local host runs the same hooks.
registerHooks(app.hook, invocationObserver({ registry, logger: createAppLogger('score-blob') }));
