import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts one pool thread. Built apps ship `ort-worker.js` beside their bundle (each app's build emits it);
 * from TypeScript sources (`npm start`, tests) the thread registers tsx before it imports `ort-worker.ts`,
 * because a worker thread does not inherit the loader of the thread that started it.
 */
export function startOrtWorker(): Worker {
  const built = new URL('./ort-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return new Worker(built);
  const source = new URL('./ort-worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(source))) {
    throw new Error(
      `the inference pool's thread script is missing: expected ${fileURLToPath(built)} (the app build emits it)`,
    );
  }
  // The bare specifier resolves from the working directory, which is the repository in development.
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { eval: true });
}
