import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from `base` (a module URL without its extension, relative to the caller's
 * `import.meta.url`). Built apps ship `<name>.js` beside their bundle (each app's build emits it, and in a
 * bundle every module's import.meta.url is the bundle's); from TypeScript sources (`npm start`, tests) the
 * thread registers tsx before it imports `<name>.ts`, because a worker thread does not inherit the loader
 * of the thread that started it.
 */
export function startWorker(base: URL, workerData?: unknown): Worker {
  const built = new URL(`${base.href}.js`);
  if (existsSync(fileURLToPath(built))) return new Worker(built, { workerData });
  const source = new URL(`${base.href}.ts`);
  if (!existsSync(fileURLToPath(source))) {
    throw new Error(
      `a worker thread's script is missing: expected ${fileURLToPath(built)} (the app build emits it)`,
    );
  }
  // The bare specifier resolves from the working directory, which is the repository in development.
  // Both of tsx's hooks: a script outside any package.json with "type" is loaded as CommonJS.
  const boot = `Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => { esm.register(); cjs.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
