import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prefersRespondAsync, statusUriOf } from '../src/jobs/accept-job.js';
import { isJobId, jobIdOf } from '../src/jobs/job-envelope.js';
import { JOB_MAX_TRIES } from '../src/jobs/run-job.js';
import { answerFromBlob, answerMetadata, storedAnswer } from '../src/jobs/stored-answer.js';

// The pieces of the async HTTP pattern that need no storage; the pattern itself, end to end on npm start,
// is e2e/test/ocr/ocr-async-http.test.ts.
describe('jobs (POST /score answered 202)', () => {
  it('reads RFC 7240 Prefer: respond-async among other preferences, and nothing else as it', () => {
    expect(prefersRespondAsync('respond-async')).toBe(true);
    expect(prefersRespondAsync('return=minimal, Respond-Async; foo=bar, wait=10')).toBe(true);
    expect(prefersRespondAsync('respond-async=true')).toBe(true);
    expect(prefersRespondAsync(null)).toBe(false);
    expect(prefersRespondAsync('return=representation, wait=10')).toBe(false);
    expect(prefersRespondAsync('respond-asynchronously')).toBe(false);
  });

  it('puts the status URL beside /score, on the host the caller reached', () => {
    expect(statusUriOf('https://app.example/score?probabilities=true', 'x')).toBe(
      'https://app.example/score/jobs/x',
    );
    expect(statusUriOf('http://127.0.0.1:7071/score', 'x')).toBe('http://127.0.0.1:7071/score/jobs/x');
  });

  it('takes only ids it made (UUIDs) as job ids', () => {
    expect(isJobId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(isJobId('../answer')).toBe(false);
    expect(() => jobIdOf({ id: 'x' })).toThrow(/job message/);
    expect(jobIdOf({ id: '0f8fad5b-d9cb-469f-a165-70867728950e' })).toBe(
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    );
  });

  it("tries a job as often as host.json's maxDequeueCount, so its last try answers before the poison queue", () => {
    const host = JSON.parse(readFileSync(new URL('../host.json', import.meta.url), 'utf8')) as {
      extensions: { queues: { maxDequeueCount: number; messageEncoding: string } };
    };
    expect(host.extensions.queues.maxDequeueCount).toBe(JOB_MAX_TRIES);
    // JobStore.submit writes base64, as this setting makes the host read it.
    expect(host.extensions.queues.messageEncoding).toBe('base64');
  });

  it('keeps an answer as bytes with its status and headers, and gives it back the same', () => {
    const answer = storedAnswer({
      status: 400,
      jsonBody: { error: 'é', code: 'ENCRYPTED_DOCUMENT' },
      headers: { 'content-type': 'application/json', 'x-model': 'ocr:1' },
    });
    const back = answerFromBlob(answerMetadata(answer), answer.body);
    expect(back).toEqual(answer);
    expect(JSON.parse(back.body.toString())).toEqual({ error: 'é', code: 'ENCRYPTED_DOCUMENT' });
    expect(Object.values(answerMetadata(answer)).every((v) => /^[\x20-\x7e]*$/.test(v))).toBe(true);
  });
});
