import { describe, expect, it, vi } from 'vitest';

const registered: { name: string; route?: string }[] = [];
const queued: { name: string; queueName: string; connection?: string }[] = [];
const setup = vi.fn();
const hooks: string[] = [];

vi.mock('@azure/functions', () => ({
  app: {
    setup,
    http: (name: string, options: { route?: string }) => registered.push({ name, route: options.route }),
    storageQueue: (name: string, options: { queueName: string; connection?: string }) =>
      queued.push({ name, queueName: options.queueName, connection: options.connection }),
    hook: {
      preInvocation: () => hooks.push('preInvocation'),
      postInvocation: () => hooks.push('postInvocation'),
    },
  },
}));
vi.mock('@modelfn/scoring', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@modelfn/scoring')>()),
  sharedScorer: () => new Promise(() => undefined),
}));

describe('main.ts (the Functions entry point)', () => {
  it('registers every HTTP function with app.http, buffered (no HTTP streaming), and the job function', async () => {
    await import('../src/main.js');
    const { httpFunctions } = await import('../src/functions.js');
    expect(setup).toHaveBeenCalledWith({ enableHttpStream: false });
    expect(registered).toEqual(httpFunctions.map((f) => ({ name: f.name, route: f.options.route })));
    // The job function: requests answered 202 are scored by this app, from its queue on AzureWebJobsStorage.
    expect(queued).toEqual([
      { name: 'scoreJob', queueName: 'scoring-jobs', connection: 'AzureWebJobsStorage' },
    ]);
    // The invocation observer (one log line and the trigger-wide metrics per invocation).
    expect(hooks).toEqual(['preInvocation', 'postInvocation']);
  });
});
