// Loads an unpacked package the way the Azure Functions Node worker does, in a plain Node process (no tsx):
// `@azure/functions-core` is this stand-in, which records what the app registers; then the package's
// `main` is imported. Usage: node load-package.mjs <package folder> <probe module>
// The probe (an ES module exporting `probe(registered)`) invokes registered handlers; the result, with the
// registrations and the Node version that ran them, is printed as one JSON line.
import Module from 'node:module';
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, probeModule] = process.argv.slice(2);
const registered = [];
const hooks = [];
let programmingModel;
const core = {
  registerFunction(metadata, callback) {
    registered.push({ metadata, callback });
    return { dispose() {} };
  },
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel: () => programmingModel,
  registerHook(type) {
    hooks.push(type);
    return { dispose() {} };
  },
  log() {},
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === '@azure/functions-core' ? core : load.call(this, request, ...rest);
};

const { main } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
await import(pathToFileURL(join(dir, main)).href);
const { probe } = await import(pathToFileURL(probeModule).href);
const result = await probe(registered);
process.stdout.write(
  `${JSON.stringify({
    node: process.version,
    programmingModel: programmingModel?.name,
    functions: registered.map((r) => r.metadata),
    hooks,
    result,
  })}\n`,
);
process.exit(0);
