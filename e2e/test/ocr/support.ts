import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AMLRequest, EntryContext } from '@modelfn/scoring/entry';

export const OCR_DIR = resolve(import.meta.dirname, '../../../models/ocr');

/** What models/ocr answers: its documented output. */
export interface OcrResult {
  text: string;
  lines: { text: string; confidence: number; box: [number, number][] }[];
}

export interface OcrScript {
  init(context: EntryContext): Promise<void>;
  run(request: AMLRequest, context: EntryContext): Promise<OcrResult>;
}

/**
 * A module of the model folder, loaded by path as the host loads entry scripts: models/ is a model
 * repository, not an Nx project to import from.
 */
export async function modelModule<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(join(OCR_DIR, file)).href)) as T;
}

/** A raw HTTP request as the host hands it to run(). */
export function httpRequest(body: Buffer, contentType?: string): AMLRequest {
  return {
    trigger: 'http',
    body,
    contentType,
    headers: contentType ? { 'content-type': contentType } : {},
    properties: {},
    json<T>() {
      return JSON.parse(body.toString('utf8')) as T;
    },
  };
}

/** What rejects with: its code, for `expect(...).rejects.toMatchObject({ code })`. */
export async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** Milliseconds of `fn`, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}
